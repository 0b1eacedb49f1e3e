"""Grader overhead over bare notebook execution, measured side by side in one run.

    .venv/bin/python benchmarks/overhead.py [--assignment nn-basics] [--notebook PATH] [--runs 5]
                                            [--sandboxes unisolated,namespaces]

The floor is nbclient executing the same notebook (same injected parameters, same data files) in
a fresh kernel. Each sandbox row is the whole pipeline: host screen, staging, sandbox, harness,
probes, scoring and writing grade.json + feedback.html. The last column compares each row with
the first sandbox named, so `unisolated,namespaces` prices the isolation itself. Prints a
Markdown table for docs/.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient

from grader.course import load_assignment
from grader.datasets import provision_sandbox
from grader.harness.notebook import inject, load_submission
from grader.pipeline import GradingOptions, grade_notebook
from grader.sandbox import get_sandbox


def bare_nbclient(assignment, notebook: Path) -> float:
    """One run of the floor: parameters injected, datasets in place, no grader around it."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "work").mkdir()
        provision_sandbox(list(assignment.spec.datasets), root)
        injected = inject(load_submission(notebook), preamble="", parameters=dict(assignment.spec.parameters))
        started = time.perf_counter()
        NotebookClient(injected, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(root / "work")}}).execute()
        return time.perf_counter() - started


def grader_run(assignment, notebook: Path, sandbox) -> float:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = grade_notebook(assignment, notebook, GradingOptions(sandbox=sandbox, out_dir=Path(out)))
        elapsed = time.perf_counter() - started
    if result.status.value != "graded":
        raise SystemExit(f"{sandbox.name}: {result.status.value}: {result.message}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="nn-basics")
    parser.add_argument("--notebook", type=Path, default=None, help="default: the assignment's reference solution")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sandboxes", default="unisolated,namespaces", help="comma-separated backend names")
    args = parser.parse_args()
    assignment = load_assignment(args.assignment)
    notebook = args.notebook or assignment.reference
    sandboxes = {name: get_sandbox(name) for name in args.sandboxes.split(",")}
    for sandbox in sandboxes.values():
        grader_run(assignment, notebook, sandbox)  # warm-up: dataset cache, imports, page cache
    times: dict[str, list[float]] = {"floor": [], **{name: [] for name in sandboxes}}
    for _ in range(args.runs):  # interleaved so drift on the machine hits every runner alike
        times["floor"].append(bare_nbclient(assignment, notebook))
        for name, sandbox in sandboxes.items():
            times[name].append(grader_run(assignment, notebook, sandbox))
    base = statistics.median(times["floor"])
    first = statistics.median(times[next(iter(sandboxes))])
    print(f"machine: {platform.node()} | {platform.processor() or platform.machine()} | python {platform.python_version()}"
          f" | load average {os.getloadavg()[0]:.1f}")
    print(f"notebook: {notebook} ({args.runs} runs each, interleaved, medians)\n")
    print(f"| runner | median s | min s | max s | ratio to floor | overhead s | vs {next(iter(sandboxes))} s |")
    print("|---|---|---|---|---|---|---|")
    for name, runs in times.items():
        median = statistics.median(runs)
        label = "bare nbclient (floor)" if name == "floor" else f"grader grade --sandbox {name}"
        print(f"| {label} | {median:.2f} | {min(runs):.2f} | {max(runs):.2f} | {median / base:.2f} | "
              f"{median - base:+.2f} | {'' if name == 'floor' else f'{median - first:+.3f}'} |")


if __name__ == "__main__":
    main()
