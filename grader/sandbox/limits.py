"""POSIX resource limits for a sandbox's kernel, and an honest list of those this platform lacks.
They are applied by grader.sandbox.launch right before the kernel starts, so they bind the
notebook's processes, not the harness that reads their output."""

from __future__ import annotations

import sys

from grader.spec.assignment import Resources

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def plan_limits(resources: Resources, cpu_seconds: int) -> tuple[dict[str, int], list[str]]:
    """The rlimits to set (RLIMIT_* name -> value) and notes on what will not be enforced."""
    if resource is None:
        return {}, ["resource limits are unavailable on this platform; only the timeouts are enforced"]
    wanted = {
        "RLIMIT_AS": resources.memory,
        "RLIMIT_CPU": cpu_seconds,
        "RLIMIT_FSIZE": resources.file_size,
        "RLIMIT_NPROC": resources.processes,
        "RLIMIT_NOFILE": resources.open_files,
        "RLIMIT_CORE": 0,
    }
    limits, notes = {}, []
    for name, value in wanted.items():
        if hasattr(resource, name):
            limits[name] = int(value)
        else:
            notes.append(f"{name} is not available on this platform")
    if sys.platform == "darwin":
        notes.append("macOS does not enforce RLIMIT_AS: memory is not limited")
    return limits, notes


def limit_arguments(limits: dict[str, int]) -> list[str]:
    """The limits as grader.sandbox.launch options."""
    return [part for name, value in limits.items() for part in ("--rlimit", f"{name}={value}")]
