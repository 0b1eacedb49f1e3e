"""Batch throughput with 1 and 2 workers, and the grader's own memory over a large class.

    .venv/bin/python benchmarks/batch_throughput.py [--assignment nn-basics] [--submissions 40]
                                                     [--memory-submissions 200]

Each submission is the assignment's reference with one extra cell that makes it unique (so the
gradebook cannot skip it). `grader grade` runs as a user runs it, in a subprocess; its memory is
the resident size of the grader process itself (the notebooks' kernels are separate processes
whose memory is the sandbox's concern), sampled every 50 ms. Prints a Markdown table for docs/.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell
from peak_memory import run_sampled

from grader.course import load_assignment


def make_class(reference: Path, folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for index in range(count):
        notebook = nbformat.read(str(reference), as_version=4)
        notebook.cells.append(new_code_cell(f"submission_number = {index}"))
        nbformat.write(notebook, str(folder / f"student{index:03d}.ipynb"))
    return folder


def grade_class(assignment: str, inbox: Path, out: Path, workers: int) -> tuple[float, float]:
    """(wall seconds, peak resident MB of the grader process) for one `grader grade` run."""
    command = [sys.executable, "-m", "grader", "grade", assignment, str(inbox), "--out", str(out),
               "--workers", str(workers)]
    seconds, peak_mb, status = run_sampled(command, every=0.05)
    if status not in (0, 1):
        raise SystemExit(f"grader grade exited {status}")
    return seconds, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="nn-basics")
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--memory-submissions", type=int, default=200)
    args = parser.parse_args()
    reference = load_assignment(args.assignment).reference
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        inbox = make_class(reference, root / "inbox", args.submissions)
        rows = []
        for workers in (1, 2):
            seconds, peak = grade_class(args.assignment, inbox, root / f"out{workers}" / args.assignment, workers)
            rows.append((workers, args.submissions, seconds, args.submissions / seconds, peak))
        big = make_class(reference, root / "big", args.memory_submissions)
        seconds, peak = grade_class(args.assignment, big, root / "outbig" / args.assignment, 2)
        rows.append((2, args.memory_submissions, seconds, args.memory_submissions / seconds, peak))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"assignment: {args.assignment} (reference solution, local sandbox)\n")
    print("| workers | submissions | wall s | submissions/s | grader peak RSS MB |")
    print("|---|---|---|---|---|")
    for workers, count, seconds, rate, peak in rows:
        print(f"| {workers} | {count} | {seconds:.1f} | {rate:.2f} | {peak:.0f} |")
    print(f"\nspeed-up with 2 workers: {rows[1][3] / rows[0][3]:.2f}x")


if __name__ == "__main__":
    main()
