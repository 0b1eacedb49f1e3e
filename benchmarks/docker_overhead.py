"""Container overhead per submission: the docker sandbox minus the local one, side by side in one run.

    .venv/bin/python benchmarks/docker_overhead.py [--assignment nn-basics] [--notebook PATH] [--runs 5] [--image TAG]

Both runners are the whole pipeline (`grade_notebook`: screen, staging, sandbox, harness, probes,
scoring, grade.json + feedback.html) on the same notebook, interleaved so machine drift hits both
alike; the difference is what a container costs: create, start, send the job, wait, collect,
remove. The default notebook is trivial (one cell), so that difference is all there is to see.
Prints a Markdown table for docs/docker.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.course import load_assignment
from grader.pipeline import GradingOptions, grade_notebook
from grader.sandbox import get_sandbox


def timed(assignment, notebook: Path, sandbox) -> float:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        grade_notebook(assignment, notebook, GradingOptions(sandbox=sandbox, out_dir=Path(out)))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="nn-basics")
    parser.add_argument("--notebook", type=Path, default=None, help="default: a one-cell notebook (print('hello'))")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--image", default=None, help="docker image (default: the assignment's runtime image)")
    args = parser.parse_args()
    assignment = load_assignment(args.assignment)
    with tempfile.TemporaryDirectory() as scratch:
        notebook = args.notebook or Path(scratch) / "trivial.ipynb"
        if args.notebook is None:
            nbformat.write(new_notebook(cells=[new_code_cell("print('hello')")]), str(notebook))
        runners = {"local": get_sandbox("local"),
                   "docker": get_sandbox("docker", requirements=assignment.spec.requirements, image=args.image)}
        for sandbox in runners.values():  # warm-up: dataset cache, imports, page cache, image layers
            timed(assignment, notebook, sandbox)
        times: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(args.runs):
            for name, sandbox in runners.items():
                times[name].append(timed(assignment, notebook, sandbox))
    base = statistics.median(times["local"])
    print(f"machine: {platform.node()} | {platform.processor() or platform.machine()} | python {platform.python_version()}")
    print(f"assignment: {args.assignment}; notebook: {args.notebook or 'one cell, print(hello)'} "
          f"({args.runs} runs each, interleaved, medians)\n")
    print("| runner | median s | min s | max s | overhead over local s |")
    print("|---|---|---|---|---|")
    for name, label in (("local", "grader grade --sandbox local"), ("docker", "grader grade --sandbox docker")):
        median = statistics.median(times[name])
        print(f"| {label} | {median:.2f} | {min(times[name]):.2f} | {max(times[name]):.2f} | {median - base:+.2f} |")


if __name__ == "__main__":
    main()
