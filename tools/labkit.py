"""What every lab's notebook generator shares: named cells, variants that replace cells by
name, and writing the starter, the reference, the known-wrong submissions and the examples.

A lab is a list of named cells. A variant replaces some cells by name; a known-wrong variant also
declares in metadata.grader.expect exactly the rubric checks it must lose.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python"}}


def edit(source: str, *pairs: str) -> str:
    """source with each (old, new) pair replaced; an `old` that is not there is an error, so a
    variant cannot silently stop differing from the reference."""
    for old, new in zip(pairs[::2], pairs[1::2]):
        if old not in source:
            raise ValueError(f"{old!r} not found in:\n{source}")
        source = source.replace(old, new)
    return source


def build(lab: str, cells: list[tuple[str, str, str]], replace: dict[str, str] | None = None,
          expect: list[str] | None = None) -> nbformat.NotebookNode:
    """A notebook from named cells; `replace` swaps sources by name ("" drops the cell)."""
    replace = replace or {}
    unknown = set(replace) - {name for name, _, _ in cells}
    if unknown:
        raise KeyError(f"{lab}: no cell named {sorted(unknown)}")
    built = []
    for name, kind, source in cells:
        source = replace.get(name, source)
        if source == "":
            continue
        if kind == "md":
            cell = new_markdown_cell(source)
        else:
            cell = new_code_cell(source, metadata={"tags": ["parameters"]} if kind == "params" else {})
        cell["id"] = name  # stable ids: regenerating gives identical files
        built.append(cell)
    metadata = dict(KERNEL)
    if expect is not None:
        metadata["grader"] = {"expect": {"failing": expect, "status": "graded"}}
    notebook = new_notebook(cells=built, metadata=metadata)
    nbformat.validate(notebook)
    return notebook


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def make_lab(lab: str, reference: list, starter: dict, known_wrong: dict, examples: dict) -> None:
    write(build(lab, reference), ROOT / "reference_solutions" / f"{lab}.ipynb")
    write(build(lab, reference, starter), ROOT / "assignments" / lab / "starter.ipynb")
    for name, (failing, replace) in known_wrong.items():
        write(build(lab, reference, replace, expect=failing),
              ROOT / "reference_solutions" / "known_wrong" / lab / f"{name}.ipynb")
    for name, replace in examples.items():  # sample submissions: no expectations in metadata
        write(build(lab, reference, replace), ROOT / "examples" / lab / f"{name}.ipynb")
