"""Notebooks that print far more than a cell may keep, graded with real kernels in the local
sandbox: the flood is truncated with the grader's marker, the cells after it run, the grade is
`graded`, and neither the harness nor the kernel holds the flood in memory (docs/sandbox.md,
docs/docker.md: "1 GB of printed output")."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from conftest import TOY_GOOD
from grader.harness.execute import TRUNCATED
from grader.results import CheckStatus, Status

pytestmark = pytest.mark.slow

MB = 1024**2
TOY_OUTPUT_CAP = 64 * 1024  # resources.output of the fixture assignment `toy`


def by_id(result):
    return {check.id: check for check in result.checks}


def executed_cells(out: Path) -> list[dict]:
    return json.loads((out / "executed.ipynb").read_text())["cells"]


def printed(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def cell_with(out: Path, source: str) -> dict:
    return next(c for c in executed_cells(out) if "".join(c["source"]) == source)


@contextmanager
def peak_memory():
    """The peak resident memory (VmHWM, so no spike is missed between samples) of the harness and
    of the kernel among this process's descendants, in bytes, filled in while the block runs."""
    peaks = {"harness": 0, "kernel": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for process in psutil.Process().children(recursive=True):
                try:
                    command = " ".join(process.cmdline())
                    role = "kernel" if "ipykernel" in command else "harness" if "grader.harness" in command else None
                    if role:
                        status = Path(f"/proc/{process.pid}/status").read_text()
                        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
                        peaks[role] = max(peaks[role], int(hwm.split()[1]) * 1024)
                except (psutil.Error, OSError, StopIteration):
                    pass
            done.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        done.set()
        thread.join()


def test_gigabytes_of_printed_output_are_truncated_and_grading_goes_on(grade_toy, tmp_path):
    """2.5 GB printed in 1 MB lines, between the cells that define what the checks use.

    Why 2.5 GB: before the fix the kernel kept every printed string (IPython 9's output history)
    on top of ipykernel's buffers, and the harness decoded every message: 1 GB passed on a quiet
    machine while holding 1.1 GB in the harness and 1.5 GB in the kernel; 1.5-2 GB ran past the
    toy's 5 s cell limit on a loaded 2-core machine; from 2.5 GB on the flood no longer fits the
    toy's 2 GiB address space at all, so the cell fails whatever the machine's speed: past the
    5 s limit, or with a MemoryError whose output the cap dropped, reported as "the kernel died"
    (docker: over the container's 2 GiB). After the fix it costs about a second."""
    flood = "for _ in range(2500):\n    print('x' * 1_000_000)"
    cells = [TOY_GOOD[0], TOY_GOOD[1], flood, *TOY_GOOD[2:]]
    started = time.monotonic()
    with peak_memory() as peaks:
        result = grade_toy(cells, out=tmp_path / "out")
    checks = by_id(result)
    assert result.status is Status.GRADED, result.notes
    assert checks["runs"].status is CheckStatus.PASSED, checks["runs"].message  # no timeout, no "kernel died"
    for later in ("table", "scaled", "report", "saved", "hidden-accuracy"):  # defined after the flood
        assert checks[later].status is CheckStatus.PASSED, (later, checks[later].message)
    text = printed(cell_with(tmp_path / "out", flood))
    assert text == "x" * TOY_OUTPUT_CAP + TRUNCATED  # kept up to resources.output, then the marker
    assert (tmp_path / "out" / "executed.ipynb").stat().st_size < 1_000_000
    assert peaks["harness"] and peaks["harness"] < 150 * MB, peaks  # before: 1.1 GB, then the flood failed
    assert peaks["kernel"] and peaks["kernel"] < 400 * MB, peaks  # before: 1.8 GB
    assert time.monotonic() - started < 60


def test_error_after_the_output_cap_is_reported_not_taken_for_a_dead_kernel(grade_toy, tmp_path):
    """Printing past the cap dropped everything after it, the cell's error too, and a failed cell
    without an error output read as "the kernel died" (local: a MemoryError in a flood, while the
    kernel lived). 100 kB is enough: anything over the toy's 64 KiB cap did it."""
    failing = "print('x' * 100_000)\nraise ValueError('after the flood')"
    result = grade_toy([TOY_GOOD[0], TOY_GOOD[1], failing, *TOY_GOOD[2:]], out=tmp_path / "out")
    runs = by_id(result)["runs"]
    assert result.status is Status.GRADED
    assert "ValueError: after the flood" in runs.message and "died" not in runs.message, runs.message
    assert by_id(result)["scaled"].status is CheckStatus.PASSED
    cell = cell_with(tmp_path / "out", failing)
    assert printed(cell) == "x" * TOY_OUTPUT_CAP + TRUNCATED
    errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
    assert [(e["ename"], e["evalue"]) for e in errors] == [("ValueError", "after the flood")]


def test_one_huge_display_message_is_dropped_undecoded(grade_toy, tmp_path):
    """Output that bypasses the kernel's stream cap (one 150 MB display message) reaches the
    harness, which must drop it without decoding it: it held about three copies before (470 MB of
    resident memory for 150 MB), one after (160 MB). 150 MB keeps the two apart with room under
    a 300 MB bound and stays well inside the kernel's 2 GiB while it builds the message."""
    huge = "display({'text/plain': 'x' * 150_000_000}, raw=True)"
    with peak_memory() as peaks:
        result = grade_toy([TOY_GOOD[0], TOY_GOOD[1], huge, *TOY_GOOD[2:]], out=tmp_path / "out")
    checks = by_id(result)
    assert result.status is Status.GRADED
    assert checks["runs"].status is CheckStatus.PASSED and checks["scaled"].status is CheckStatus.PASSED
    assert printed(cell_with(tmp_path / "out", huge)) == TRUNCATED
    assert peaks["harness"] and peaks["harness"] < 300 * MB, peaks
