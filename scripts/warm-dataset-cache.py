"""Fill a dataset cache ahead of the tests: every built-in stand-in generated and MNIST's sample
judge trained (what gan-lab's grading needs). scripts/test.sh runs it beside the fast tier, on the
core that tier leaves idle, so the slow tier does not do it on its busy cores.

Usage: python scripts/warm-dataset-cache.py CACHE_DIR"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from grader.datasets.registry import built_in_datasets
from grader.judge import load_judge


def main(cache: Path) -> None:
    started = time.monotonic()
    for provider in built_in_datasets():
        provider.ensure(cache)
    load_judge("mnist", cache)
    print(f"=== dataset cache {cache} warmed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
