"""What isolation costs per submission: the namespaces backend beside the unisolated one, side by
side in one run, and the process starts it adds.

    .venv/bin/python benchmarks/isolation_overhead.py [--assignment nn-basics] [--runs 15]

1. Each backend's sandbox alone (start, kernel, notebook, probes; no host-side scoring), runs
   interleaved, first run of each dropped as warm-up: medians.
2. The kernel's start as the backends make it: `python -c pass` bare, under grader.sandbox.launch
   (what unisolated adds over the old local backend), and under bwrap + the launcher (namespaces).
Prints Markdown for docs/performance.md, with the load average (figures taken under load say so).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.course import load_assignment
from grader.pipeline import GradingOptions, plan_submission
from grader.sandbox import get_sandbox
from grader.sandbox.namespaces import bubblewrap, bwrap_arguments, python_paths

BACKENDS = ("unisolated", "namespaces")


def sandbox_seconds(assignment, runs: int) -> dict[str, list[float]]:  # noqa: ANN001 - a LoadedAssignment
    sandboxes = {name: get_sandbox(name) for name in BACKENDS}
    times: dict[str, list[float]] = {name: [] for name in BACKENDS}
    for run in range(runs + 1):
        for name, sandbox in sandboxes.items():
            request = plan_submission(assignment, assignment.reference, GradingOptions(sandbox=sandbox)).request
            started = time.perf_counter()
            result = sandbox.run(request)
            if result.observations is None:
                raise SystemExit(f"{name}: no observations ({result.killed or result.log_tail[-300:]})")
            if run:
                times[name].append(time.perf_counter() - started)
    return times


def start_seconds(runs: int) -> dict[str, float]:
    """Median milliseconds of `python -c pass` started three ways."""
    python = sys.executable
    scratch = Path(tempfile.mkdtemp(prefix="isolation-bench-"))
    as_root = os.geteuid() == 0
    launch = [python, "-P", "-m", "grader.sandbox.launch", *(["--no-user-namespaces"] if as_root else []), "--"]
    confined = [*bwrap_arguments(bubblewrap(), readonly=python_paths(), writable=[scratch], workdir=scratch,
                                 privileged=as_root), *launch[:-1],
                *(["--uid", "1100000001", "--gid", "1100000001"] if as_root else []), "--"]
    commands = {"python -c pass": [python, "-c", "pass"],
                "launcher + python (unisolated)": [*launch, python, "-c", "pass"],
                "bwrap + launcher + python (namespaces)": [*confined, python, "-c", "pass"]}
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    medians = {}
    for label, command in commands.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, env=environment, check=True, cwd=scratch)
            times.append(time.perf_counter() - started)
        medians[label] = statistics.median(times) * 1000
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="nn-basics")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    assignment = load_assignment(args.assignment)
    times = sandbox_seconds(assignment, args.runs)
    starts = start_seconds(max(args.runs, 20))
    base = statistics.median(times["unisolated"])
    print(f"machine: {platform.node()} | {platform.machine()} | python {platform.python_version()} | "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(f"{assignment.id} reference, the sandbox alone, {args.runs} interleaved runs each:\n")
    print("| backend | median s | min s | max s | vs unisolated s |")
    print("|---|---|---|---|---|")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"| {name} | {median:.3f} | {min(runs):.3f} | {max(runs):.3f} | {median - base:+.3f} |")
    print("\nStarting a process, medians:\n")
    print("| started as | ms |")
    print("|---|---|")
    for label, milliseconds in starts.items():
        print(f"| {label} | {milliseconds:.1f} |")


if __name__ == "__main__":
    main()
