"""Time limits that measure the notebook's own work, not the machine's load.

A cell's budget is CPU time: `cell_timeout × threads` CPU seconds used by the kernel and every
process it started (a notebook keeping all its cores busy gets `cell_timeout` seconds of wall time
on a quiet machine, and the same amount of work on a loaded one, however long that takes). A cell
that spends its budget is interrupted; one that keeps working a grace period after the interrupt
is stopped for good. Code that waits rather than computes (sleeping, blocked on input) is caught
by a wall-clock backstop, WALL_FACTOR times the limit.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass

import psutil

WALL_FACTOR = 10   # the wall-clock backstop, a multiple of a limit: load 5-10 on 2 cores slows work as much
POLL_SECONDS = 0.1
KERNEL_MODULE = "ipykernel_launcher"   # bwrap's and the launcher's own command lines name it too


@dataclass(frozen=True)
class WorkLimits:
    """A job's limits in seconds of work on `threads` cores."""

    cell_seconds: float
    total_seconds: float
    threads: int

    def cpu(self, seconds: float) -> float:
        return seconds * max(1, self.threads)

    @staticmethod
    def wall(seconds: float) -> float:
        return seconds * WALL_FACTOR

    @staticmethod
    def grace(cpu_budget: float) -> float:
        """CPU seconds a cell may still use after its interrupt before the kernel is stopped."""
        return max(10.0, 0.25 * cpu_budget)


def kill_descendants(process: psutil.Process, *, rounds: int = 50, wait: float = 0.5) -> int:
    """SIGKILL every descendant of `process` until none is left (one may fork while its siblings
    die, hence the rounds); returns how many were killed. The kernel's leftovers after a stopped
    cell, and everything a sandbox's supervisor outlives, end this way."""
    killed = 0
    for _ in range(rounds):
        try:
            children = process.children(recursive=True)
        except psutil.Error:
            break
        if not children:
            break
        for child in children:
            try:
                child.kill()
                killed += 1
            except psutil.Error:
                pass
        psutil.wait_procs(children, timeout=wait)
    return killed


class KernelCpu:
    """CPU seconds (user + system) of the kernel's process tree: the launched process (bwrap or
    the launcher, which becomes the kernel) and every descendant, living or already reaped."""

    def __init__(self, launched_pid: int) -> None:
        self.root = psutil.Process(launched_pid)
        self.highest = 0.0
        self._kernel: psutil.Process | None = None

    def seconds(self) -> float:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return self.highest
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system + times.children_user + times.children_system
        # a child that has ended but is not yet reaped vanishes for a moment: never count backwards
        self.highest = max(self.highest, total)
        return self.highest

    def kernel(self) -> psutil.Process | None:
        """The ipykernel process itself (`python -m ipykernel_launcher`, below bwrap in the
        namespaces backend)."""
        if self._kernel is None or not self._kernel.is_running():
            try:
                candidates = [self.root, *self.root.children(recursive=True)]
                self._kernel = next(p for p in candidates if p.cmdline()[1:3] == ["-m", KERNEL_MODULE])
            except (psutil.Error, StopIteration):
                self._kernel = None
        return self._kernel

    def stop_leftovers(self) -> int:
        """Kill every process the kernel started and left computing after its cell was stopped
        for its budget (a cell's interrupted work must not go on in the background); returns
        how many were killed."""
        kernel = self.kernel()
        return 0 if kernel is None else kill_descendants(kernel)

    def signal(self, number: int) -> bool:
        kernel = self.kernel()
        if kernel is None:
            return False
        try:
            os.kill(kernel.pid, number)
            return True
        except (ProcessLookupError, PermissionError):
            return False


class CpuWatch:
    """Watches one cell from a thread: interrupts the kernel once the cell has used `budget` CPU
    seconds, and kills it once it has used `grace` more (the code ignored the interrupt)."""

    def __init__(self, meter: KernelCpu | None, budget: float, grace: float) -> None:
        self.meter, self.budget, self.grace = meter, budget, grace
        self.start = meter.seconds() if meter else 0.0
        self.interrupted = self.killed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @property
    def used(self) -> float:
        return self.meter.seconds() - self.start if self.meter else 0.0

    def __enter__(self) -> CpuWatch:
        if self.meter is not None:
            try:
                self._thread.start()
            except RuntimeError:  # no thread to be had (a fork bomb filled a container's pids limit):
                pass              # the wall-clock backstop still holds this cell
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        meter = self.meter
        if meter is None:  # never: the thread is started only with a meter
            return
        while not self._stop.wait(POLL_SECONDS):
            used = self.used
            if not self.interrupted and used > self.budget:
                self.interrupted = meter.signal(signal.SIGINT)
            elif self.interrupted and used > self.budget + self.grace:
                self.killed = meter.signal(signal.SIGKILL)
                return
