"""A tiny supervisor that runs inside the sandbox limits: it becomes the child subreaper, so every
process the notebook starts (even one that detaches with setsid and double-forks) stays its
descendant; it enforces the wall clock, and when the harness ends it kills whatever is left.

Usage: python -m grader.sandbox.supervise SECONDS [--hold] -- COMMAND...
Exit status: the command's, or 124 if the wall clock ran out.

With --hold the command starts at once (the harness imports and starts its kernel) but the wall
clock waits for a line `go` on stdin, which is passed on to the command's stdin; end of input
instead cancels the run (exit 125). The host starts the next submission's sandbox this way while
the current one runs, so interpreters and kernel start off the critical path.
"""

from __future__ import annotations

import ctypes
import resource
import signal
import subprocess
import sys
import time

import psutil

from grader.harness.budget import kill_descendants
from grader.harness.hold import GO, HOLD

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
WALL_CLOCK_EXIT = 124
CANCELLED_EXIT = 125
PEAK_MEMORY_MARK = "[supervisor] peak memory: "


def become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def pass_go(child: subprocess.Popen) -> bool:
    """Wait for the host's `go` and hand it to the child; False if the host cancelled instead."""
    if sys.stdin.buffer.readline() != GO:
        return False
    assert child.stdin is not None, "started with stdin=PIPE"
    try:
        child.stdin.write(GO)
        child.stdin.close()
    except (BrokenPipeError, ValueError):  # the child already ended: its status tells why
        pass
    return True


def main(argv: list[str]) -> int:
    seconds = float(argv[1])
    hold = HOLD in argv[2:argv.index("--")]
    command = argv[argv.index("--") + 1:]
    become_subreaper()
    signal.signal(signal.SIGTERM, lambda *_: (kill_descendants(psutil.Process(), wait=1), sys.exit(143)))
    child = subprocess.Popen(command, stdin=subprocess.PIPE if hold else None)
    if hold and not pass_go(child):
        kill_descendants(psutil.Process(), wait=1)
        return CANCELLED_EXIT
    started = time.monotonic()
    try:
        status = child.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        print(f"[supervisor] wall clock of {seconds:g} s ran out; stopping everything", file=sys.stderr, flush=True)
        status = WALL_CLOCK_EXIT
    leftovers = kill_descendants(psutil.Process(), wait=1)
    if leftovers:
        print(f"[supervisor] killed {leftovers} leftover process(es) after {time.monotonic() - started:.1f} s",
              file=sys.stderr, flush=True)
    # Every descendant is gone now, so nothing the notebook prints can come after this line.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{PEAK_MEMORY_MARK}{peak_kib / 1024:.1f} MB", file=sys.stderr, flush=True)
    return status


def peak_memory_mb(log_tail: str) -> float | None:
    """The peak resident memory the supervisor reported: the largest process of the notebook's
    tree (the kernel, usually). Only the last line counts: the notebook cannot forge it."""
    lines = log_tail.rstrip().splitlines()
    if not lines or not lines[-1].startswith(PEAK_MEMORY_MARK):
        return None
    try:
        return float(lines[-1][len(PEAK_MEMORY_MARK):].split()[0])
    except (ValueError, IndexError):
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
