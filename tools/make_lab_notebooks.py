"""Generate the bundled labs' notebooks so they stay reproducible: the starter, the reference
solution, the known-wrong submissions (for `grader validate`) and the sample submissions in
examples/. Each lab is a module in tools/labs/ (see tools/labkit.py). From the repository root:

    python tools/make_lab_notebooks.py             # every lab
    python tools/make_lab_notebooks.py mnist-mlp   # one or more labs by id
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import labs


def main(argv: list[str]) -> int:
    available = {info.name.replace("_", "-"): info.name for info in pkgutil.iter_modules(labs.__path__)}
    unknown = set(argv) - set(available)
    if unknown:
        print(f"unknown lab(s) {sorted(unknown)}; known: {', '.join(sorted(available))}", file=sys.stderr)
        return 2
    for lab in argv or sorted(available):
        importlib.import_module(f"labs.{available[lab]}").make()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
