"""The progress channel: where a running notebook is, for a person waiting on `grader check`.

The harness appends one short line to `out/progress` when a student cell starts (`cell 4 12`:
the fourth of the notebook's twelve code cells) and one when the probes start (`probes`). The
host tails the file while it waits (ProgressTail) and hands each new position to a display.
`out/` is the harness's: the kernel never sees it under `namespaces` (under `unisolated` it could
write there, and a forged line would only mislead the display). What is read is used for the
display only, never for grading: reads are capped, a line is parsed strictly, anything else is
ignored. Stdlib only: the harness and the host both import it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

PROGRESS_FILE = "progress"
POLL_SECONDS = 0.25
READ_CAP = 64 * 1024        # bytes read per poll; a line longer than MAX_LINE is dropped
MAX_LINE = 32
_CELL = re.compile(rb"cell ([1-9][0-9]{0,5}) ([1-9][0-9]{0,5})")


class Phase(StrEnum):
    STARTED = "started"      # the sandbox runs; no cell has started yet (or the backend cannot say)
    CELL = "cell"
    PROBES = "probes"        # every cell has run: the grader's probes ask the kernel for answers


@dataclass(frozen=True)
class RunProgress:
    """Where the run is: a phase, and for CELL which code cell (1-based) of how many."""

    phase: Phase
    cell: int = 0
    of: int = 0


ProgressSink = Callable[[RunProgress], None]


def parse_line(line: bytes) -> RunProgress | None:
    """One line of the progress file, or None for anything that is not exactly a progress line."""
    if line == b"probes":
        return RunProgress(Phase.PROBES)
    match = _CELL.fullmatch(line)
    if match is None:
        return None
    cell, of = int(match[1]), int(match[2])
    return RunProgress(Phase.CELL, cell, of) if cell <= of else None


class ProgressWriter:
    """The harness's end: appends a line per event. Progress never costs a grade, so a file that
    cannot be written is given up silently."""

    def __init__(self, path: Path) -> None:
        self._file: BinaryIO | None
        try:
            self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - held open for the run, closed by close()
        except OSError:
            self._file = None

    def cell(self, number: int, total: int) -> None:
        self._write(f"cell {number} {total}")

    def probes(self) -> None:
        self._write("probes")

    def _write(self, line: str) -> None:
        if self._file is None:
            return
        try:
            self._file.write(line.encode("ascii") + b"\n")
        except OSError:
            self.close()

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


class ProgressTail:
    """The host's end: a thread that reads what the harness appended, every POLL_SECONDS, and gives
    the sink each new position (first Phase.STARTED). Used as a context manager around the wait;
    the file is opened without following links and read only if it is a regular file."""

    def __init__(self, path: Path, sink: ProgressSink) -> None:
        self._path, self._sink = path, sink
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="grader-progress", daemon=True)
        self._fd: int | None = None
        self._partial = b""

    def __enter__(self) -> ProgressTail:
        self._sink(RunProgress(Phase.STARTED))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self._fd is not None:
            os.close(self._fd)

    def _follow(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                for progress in self.poll():
                    self._sink(progress)
            except Exception:  # noqa: BLE001 - the display must never end a grading
                return

    def poll(self) -> list[RunProgress]:
        """The positions in what was appended since the last poll (at most READ_CAP bytes of it)."""
        if self._fd is None:
            self._fd = _open_regular(self._path)
            if self._fd is None:
                return []
        data = self._partial + os.read(self._fd, READ_CAP)
        *lines, self._partial = data.split(b"\n")
        if len(self._partial) > MAX_LINE:
            self._partial = b""
        return [p for p in map(parse_line, lines) if p is not None]


def _open_regular(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd
