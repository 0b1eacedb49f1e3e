"""Grader overhead over bare notebook execution, measured side by side in one run.

    .venv/bin/python benchmarks/overhead.py [--assignment nn-basics] [--notebook PATH] [--runs 5]

The floor is nbclient executing the same notebook (same injected parameters, same data files) in
a fresh kernel. `grader local` is the whole pipeline: host screen, staging, sandbox, harness,
probes, scoring and writing grade.json + feedback.html. Prints a Markdown table for docs/.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.datasets import provision_sandbox
from grader.harness.notebook import load_submission, prepare
from grader.pipeline import GradingRun, grade_notebook
from grader.sandbox import get_sandbox
from grader.spec.course import load_assignment


def bare_nbclient(assignment, notebook: Path) -> float:
    """One run of the floor: parameters injected, datasets in place, no grader around it."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "work").mkdir()
        provision_sandbox(list(assignment.spec.datasets), root)
        prepared = prepare(load_submission(notebook), preamble="", parameters=dict(assignment.spec.parameters))
        started = time.perf_counter()
        NotebookClient(prepared, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(root / "work")}}).execute()
        return time.perf_counter() - started


def grader_local(assignment, notebook: Path) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        grade_notebook(assignment, notebook, GradingRun(sandbox=get_sandbox("local"), out_dir=Path(out)))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="nn-basics")
    parser.add_argument("--notebook", type=Path, default=None, help="default: the assignment's reference solution")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    assignment = load_assignment(args.assignment)
    notebook = args.notebook or assignment.reference
    grader_local(assignment, notebook)  # warm-up: dataset cache, imports, page cache
    floor, local = [], []
    for _ in range(args.runs):  # interleaved so drift on the machine hits both alike
        floor.append(bare_nbclient(assignment, notebook))
        local.append(grader_local(assignment, notebook))
    base = statistics.median(floor)
    print(f"machine: {platform.node()} | {platform.processor() or platform.machine()} | python {platform.python_version()}")
    print(f"notebook: {notebook} ({args.runs} runs each, medians)\n")
    print("| runner | median s | min s | max s | ratio to floor | overhead s |")
    print("|---|---|---|---|---|---|")
    for name, times in (("bare nbclient (floor)", floor), ("grader grade --sandbox local", local)):
        median = statistics.median(times)
        print(f"| {name} | {median:.2f} | {min(times):.2f} | {max(times):.2f} | {median / base:.2f} | {median - base:+.2f} |")


if __name__ == "__main__":
    main()
