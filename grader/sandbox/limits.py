"""POSIX resource limits for the local sandbox, and an honest list of those this platform lacks."""

from __future__ import annotations

import os
import sys
from typing import Callable

from grader.spec.assignment import Resources

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def plan_limits(resources: Resources, cpu_seconds: int) -> tuple[dict[int, int], list[str]]:
    """The rlimits to set (resource id -> value) and notes on what will not be enforced."""
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
            limits[getattr(resource, name)] = int(value)
        else:
            notes.append(f"{name} is not available on this platform")
    notes.append("the local sandbox does not bound total disk use (resources.disk); file_size bounds each file")
    if sys.platform == "darwin":
        notes.append("macOS does not enforce RLIMIT_AS: memory is not limited")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        notes.append("running as root: the process limit (RLIMIT_NPROC) is not enforced; use the docker sandbox")
    return limits, notes


def limit_setter(limits: dict[int, int]) -> Callable[[], None]:
    """A preexec function applying the limits in the child (lowering only, never raising a hard limit)."""
    def apply() -> None:
        for which, value in limits.items():
            _soft, hard = resource.getrlimit(which)
            capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
            try:
                resource.setrlimit(which, (capped, capped))
            except (ValueError, OSError):
                pass
    return apply
