"""Live progress lines: a batch's (done, running, failed, ETA) and one notebook's self-check
(which cell runs, elapsed time).

On a terminal one line is redrawn in place; in a log (CI, a pipe) each step gets its own line
instead (a finished submission, a cell that starts), so nothing is overwritten that someone may
read later.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from grader.harness.progress import Phase, RunProgress

BAR_WIDTH = 24
TICK_SECONDS = 0.5


class LiveLine:
    """The one line a terminal redraws in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def draw(self, text: str) -> None:
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()

    def erase(self) -> None:
        self.draw("")

    def append(self, text: str) -> None:
        """A line of its own (where nothing is redrawn)."""
        self.stream.write(text + "\n")
        self.stream.flush()


class Progress:
    def __init__(self, total: int, workers: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.workers = max(1, workers)
        self.done = self.failed = self.skipped = 0
        self.running = 0
        self._line = LiveLine(stream or sys.stderr)
        self._started = time.monotonic()
        self._graded_seconds = 0.0
        self._last_draw = 0.0

    def finished(self, label: str, *, ok: bool, seconds: float, skipped: bool = False) -> None:
        self.done += 1
        self.skipped += skipped
        self.failed += not ok
        self._graded_seconds += 0 if skipped else seconds
        if self._line.live:
            self.tick(force=True)
        else:
            self._line.append(f"[{self.done}/{self.total}] {label}")

    def tick(self, running: int | None = None, *, force: bool = False) -> None:
        if running is not None:
            self.running = running
        now = time.monotonic()
        if not self._line.live or (not force and now - self._last_draw < 0.2):
            return
        self._last_draw = now
        self._line.draw(self.line())

    def line(self) -> str:
        filled = int(BAR_WIDTH * self.done / self.total) if self.total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return (f"[{bar}] {self.done}/{self.total} done · {self.running} running · {self.failed} failed"
                f" · ETA {self.eta()}")

    def eta(self) -> str:
        graded = self.done - self.skipped
        if graded == 0:
            return "--"
        remaining = (self._graded_seconds / graded) * (self.total - self.done) / self.workers
        minutes, seconds = divmod(int(remaining + 0.5), 60)
        return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"

    def close(self) -> None:
        if self._line.live:
            self._line.draw(self.line())
            self._line.append("")


class NotebookProgress:
    """`grader check`'s progress: "code cell 4 of 12 · 0:17". On a terminal a thread redraws the line
    every TICK_SECONDS, so the clock moves while a long cell runs, and `close` erases it before the
    results are printed; in a log each new position is a line of its own, with the time it began.
    `update` is the sandbox request's progress sink (called from the sandbox's thread). The clock
    starts with the check, so it counts what the student waits for: planning and the kernel's start
    too."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._line = LiveLine(stream or sys.stderr)
        self._started = time.monotonic()
        self._progress: RunProgress | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="grader-check-progress", daemon=True)

    def __enter__(self) -> NotebookProgress:
        if self._line.live:
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, progress: RunProgress) -> None:
        with self._lock:
            if progress == self._progress:
                return
            self._progress = progress
            if not self._line.live:
                self._line.append(self.text())

    def text(self) -> str:
        """What the line says now."""
        return progress_text(self._progress, time.monotonic() - self._started)

    def close(self) -> None:
        self._stop.set()
        if self._ticker.is_alive():
            self._ticker.join()
        with self._lock:
            if self._line.live:
                self._line.erase()

    def _tick(self) -> None:
        drawn = None
        while True:
            with self._lock:
                if (text := self.text()) != drawn:
                    self._line.draw(drawn := text)
            if self._stop.wait(TICK_SECONDS):
                return


def progress_text(progress: RunProgress | None, seconds: float) -> str:
    """One line for a person: where the run is, and for how long the check has been going."""
    elapsed = elapsed_text(seconds)
    if progress is None:
        return f"preparing the check · {elapsed}"
    if progress.phase == Phase.CELL:
        return f"running code cell {progress.cell} of {progress.of} · {elapsed}"
    if progress.phase == Phase.PROBES:
        return f"checking the answers · {elapsed}"
    return f"running the notebook · {elapsed}"


def elapsed_text(seconds: float) -> str:
    """0:17, 12:05, 1:02:03."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
