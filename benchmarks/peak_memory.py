"""One command run while its resident memory is sampled: what the benchmarks that time a whole
`grader` command (batch_throughput.py, similarity.py) report beside the wall time."""

from __future__ import annotations

import subprocess
import time
from typing import IO

import psutil


def run_sampled(command: list[str], *, stdout: IO[bytes] | int = subprocess.DEVNULL,
                every: float = 0.02) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB of the command's own process, its exit status)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(every)
    return time.perf_counter() - started, peak / 1024**2, process.returncode
