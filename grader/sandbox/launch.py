"""The last trusted step before the student's kernel: resource limits, then (when started as root)
a switch to the sandbox's unprivileged user, no new privileges, and exec of the kernel.

Usage: python -m grader.sandbox.launch [--uid N --gid N] [--rlimit NAME=VALUE ...]
                                       [--no-user-namespaces] -- COMMAND...

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
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
CLONE_NEWUSER = 0x10000000
# (audit arch, unshare, clone, clone3) for the architectures the seccomp filter knows.
SYSCALLS = {"x86_64": (0xC000003E, 272, 56, 435), "aarch64": (0xC00000B7, 97, 220, 435)}


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


def deny_user_namespaces() -> bool:
    """A seccomp filter: unshare and clone fail with EPERM when asked for a new user namespace,
    clone3 (whose flags a filter cannot read) with ENOSYS, so libc falls back to clone; system
    calls of another ABI (x32, 32-bit) fail. bubblewrap's --disable-userns does this without
    root; a root grader runs bwrap privileged, where that option does not exist. False when this
    architecture is not known (nothing is installed then)."""
    import platform
    import struct

    known = SYSCALLS.get(platform.machine())
    if not sys.platform.startswith("linux") or known is None:
        return False
    arch, unshare, clone, clone3 = known
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    load, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06

    def op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    program = [
        op(load, 4),                      # 0 arch
        op(jeq, arch, 1, 0),              # 1 native ABI? skip the refusal
        op(ret, enosys),                  # 2
        op(load, 0),                      # 3 syscall number
        op(jge, 0x40000000, 0, 1),        # 4 x32 numbers
        op(ret, enosys),                  # 5
        op(jeq, clone3, 0, 1),            # 6
        op(ret, enosys),                  # 7
        op(jeq, unshare, 2, 0),           # 8 -> 11
        op(jeq, clone, 1, 0),             # 9 -> 11
        op(ret, allow),                   # 10
        op(load, 16),                     # 11 low half of the first argument: the flags
        op(jset, CLONE_NEWUSER, 0, 1),    # 12
        op(ret, eperm),                   # 13
        op(ret, allow),                   # 14
    ]
    code = b"".join(program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("HL", len(program), ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0) != 0:
        raise SystemExit(f"[launch] could not install the seccomp filter: {os.strerror(ctypes.get_errno())}")
    return True


def parse(argv: list[str]) -> tuple[int | None, int | None, dict[str, int], bool, list[str]]:
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    uid = gid = None
    limits: dict[str, int] = {}
    isolate_users = "--no-user-namespaces" in options
    options = [option for option in options if option != "--no-user-namespaces"]
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
    return uid, gid, limits, isolate_users, command


def main(argv: list[str]) -> None:
    uid, gid, limits, isolate_users, command = parse(argv)
    apply_limits(limits)
    no_new_privileges()
    if isolate_users:
        deny_user_namespaces()
    if uid is not None:
        become(uid, gid if gid is not None else uid)
    # ipykernel would poll this pid and quit when its parent is not it: in a PID namespace the
    # harness is invisible. The kernel's lifetime is the sandbox's (bwrap --die-with-parent, the
    # supervisor, the container) instead.
    os.environ.pop("JPY_PARENT_PID", None)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
