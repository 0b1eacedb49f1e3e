"""The last trusted step before the student's kernel: resource limits, then (when started as root)
a switch to the sandbox's unprivileged user, no new privileges, and exec of the kernel.

Usage: python -m grader.sandbox.launch [--uid N --gid N] [--rlimit NAME=VALUE ...] -- COMMAND...

The harness starts every kernel through this (inside bubblewrap's namespaces, inside a docker
container, or as a plain child process), so the limits bind the notebook's processes and not the
harness that reads their output, and the kernel never runs as the user that writes the
observations. It imports nothing but the standard library: it runs once per kernel start.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys

PR_SET_NO_NEW_PRIVS = 38


def apply_limits(limits: dict[str, int]) -> None:
    """Lower each named rlimit (RLIMIT_AS, ...) to value; never raise a hard limit."""
    for name, value in limits.items():
        which = getattr(resource, name)
        _soft, hard = resource.getrlimit(which)
        capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (capped, capped))


def become(uid: int, gid: int) -> None:
    """Drop every privilege for good: supplementary groups, then gid, then uid (real, effective
    and saved), so nothing in the kernel can switch back."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit(f"[launch] could not become uid {uid}")


def no_new_privileges() -> None:
    """setuid binaries and file capabilities grant nothing from here on (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def parse(argv: list[str]) -> tuple[int | None, int | None, dict[str, int], list[str]]:
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    uid = gid = None
    limits: dict[str, int] = {}
    for flag, value in zip(options[::2], options[1::2]):
        if flag == "--uid":
            uid = int(value)
        elif flag == "--gid":
            gid = int(value)
        elif flag == "--rlimit":
            name, _, number = value.partition("=")
            limits[name] = int(number)
        else:
            raise SystemExit(f"[launch] unknown option {flag}")
    if not command:
        raise SystemExit("[launch] no command after --")
    return uid, gid, limits, command


def main(argv: list[str]) -> None:
    uid, gid, limits, command = parse(argv)
    apply_limits(limits)
    if uid is not None:
        become(uid, gid if gid is not None else uid)
    no_new_privileges()
    # ipykernel would poll this pid and quit when its parent is not it: in a PID namespace the
    # harness is invisible. The kernel's lifetime is the sandbox's (bwrap --die-with-parent, the
    # supervisor, the container) instead.
    os.environ.pop("JPY_PARENT_PID", None)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
