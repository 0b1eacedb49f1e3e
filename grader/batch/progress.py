"""A live progress line for a batch: done, running, failed, ETA.

On a terminal one line is redrawn in place; in a log (CI, a pipe) each finished submission gets
its own line instead, so nothing is overwritten that someone may read later.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 24


class Progress:
    def __init__(self, total: int, workers: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.workers = max(1, workers)
        self.done = self.failed = self.skipped = 0
        self.running = 0
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty()
        self._started = time.monotonic()
        self._graded_seconds = 0.0
        self._last_draw = 0.0

    def finished(self, label: str, *, ok: bool, seconds: float, skipped: bool = False) -> None:
        self.done += 1
        self.skipped += skipped
        self.failed += not ok
        self._graded_seconds += 0 if skipped else seconds
        if self._live:
            self.tick(force=True)
        else:
            self._stream.write(f"[{self.done}/{self.total}] {label}\n")
            self._stream.flush()

    def tick(self, running: int | None = None, *, force: bool = False) -> None:
        if running is not None:
            self.running = running
        now = time.monotonic()
        if not self._live or (not force and now - self._last_draw < 0.2):
            return
        self._last_draw = now
        self._stream.write("\r" + self.line() + "\x1b[K")
        self._stream.flush()

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
        if self._live:
            self._stream.write("\r" + self.line() + "\x1b[K\n")
            self._stream.flush()
