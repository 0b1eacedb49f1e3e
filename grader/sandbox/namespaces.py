"""The `namespaces` backend, the default on Linux: the kernel runs under bubblewrap (`bwrap`, from
the distribution's packages) in its own mount, PID, network, IPC and UTS namespaces, as an
unprivileged user, seeing the system and the Python environment read-only and of the host
nothing else but its scratch folders. The harness stays outside, as the grading user, and writes
the observations where the kernel cannot see. See docs/sandbox.md for the threat model.

Why bubblewrap: it is the small, audited tool Flatpak runs every desktop application through;
it builds the namespaces from a plain argument list, needs no daemon and no image, and starts in
milliseconds. As root it runs privileged (no user namespace, so the kernel's user is a real,
unprivileged host uid that the process limit binds); as any other user it uses a user namespace.
"""

from __future__ import annotations

import functools
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import grader
from grader.errors import InfrastructureError
from grader.sandbox.base import SandboxRequest
from grader.sandbox.limits import limit_arguments
from grader.sandbox.process import KernelConfinement, ProcessSandbox

# Kernels started by a root grader run as a uid from this range, a different one per run, so the
# process limit of one sandbox is not shared with another and no login owns their files.
KERNEL_UID_BASE = 1_100_000_000
KERNEL_UID_SPAN = 1 << 24
INSIDE_UID = 65534                    # nobody: the name the kernel sees for itself without root
SHM_BYTES = 64 * 1024**2              # /dev/shm and /tmp are private tmpfs mounts of this size
TMP_BYTES = 64 * 1024**2
SYSTEM_LINKS = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) "
                "and allow user namespaces, or grade with --sandbox docker; --sandbox unisolated runs notebooks "
                "without isolation (they can then read and write your files); see docs/sandbox.md")


class NamespaceSandbox(ProcessSandbox):
    name = "namespaces"

    def __init__(self) -> None:
        self.bwrap = bubblewrap()
        super().__init__()

    def confine(self, root: Path, request: SandboxRequest, limits: dict[str, int]) -> KernelConfinement:
        os.chmod(root, 0o700)
        as_root = os.geteuid() == 0
        uid = KERNEL_UID_BASE + random.randrange(KERNEL_UID_SPAN) if as_root else None
        writable = [root / name for name in request.job.kernel_writable]
        readonly = [root / "eval"]
        launch = [sys.executable, "-P", "-m", "grader.sandbox.launch", *limit_arguments(limits)]
        if uid is not None:  # bwrap runs privileged: no --disable-userns, so the launcher's filter
            launch += ["--uid", str(uid), "--gid", str(uid), "--no-user-namespaces"]
        prefix = [*bwrap_arguments(self.bwrap, readonly=[*python_paths(), *readonly], writable=writable,
                                   workdir=root / request.job.workdir, privileged=as_root),
                  *launch, "--"]
        return KernelConfinement(prefix=prefix, notes=[], kernel_uid=uid)


def bubblewrap() -> str:
    """bwrap's path once it has been seen to work here, or an InfrastructureError saying why not."""
    path = shutil.which("bwrap")
    if path is None:
        raise InfrastructureError("the namespaces sandbox needs bubblewrap (bwrap), which is not installed; "
                                  f"{INSTALL_HINT}")
    problem = _trial(path)
    if problem:
        raise InfrastructureError(f"bubblewrap cannot create namespaces here ({problem}); {INSTALL_HINT}")
    return path


@functools.cache
def _trial(path: str) -> str:
    """Run `true` in the namespaces the sandbox uses; '' when it works, else bwrap's complaint."""
    command = [*bwrap_arguments(path, readonly=[], writable=[], workdir=Path("/"), privileged=os.geteuid() == 0),
               "true"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return "" if done.returncode == 0 else (done.stderr.strip() or f"exit status {done.returncode}")


def python_paths() -> list[Path]:
    """What the kernel must read besides the system: the interpreter's prefixes and the grader
    package alone (never the folder above it, which may be a course with its rubrics)."""
    package = Path(grader.__file__).resolve().parent
    return [Path(sys.prefix), Path(sys.base_prefix), package]


def bwrap_arguments(bwrap: str, *, readonly: list[Path], writable: list[Path], workdir: Path,
                    privileged: bool) -> list[str]:
    """The bubblewrap command line up to the sandboxed program. `privileged` (the grader is root):
    no user namespace, and the launcher inside may switch to the kernel's uid."""
    arguments = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                 "--hostname", "sandbox", "--die-with-parent", "--cap-drop", "ALL"]
    if privileged:
        arguments += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        arguments += ["--unshare-user", "--disable-userns", "--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID)]
    arguments += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in SYSTEM_LINKS:
        host = Path("/") / name
        if host.is_symlink():
            arguments += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            arguments += ["--ro-bind", str(host), str(host)]
    arguments += ["--proc", "/proc", "--dev", "/dev",  # /dev/shm and /tmp: writable for all, sticky, as usual
                  "--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
                  "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    mounts = [(path, "--ro-bind") for path in _outermost(readonly)] + [(path, "--bind") for path in writable]
    for folder in sorted({str(p) for path, _ in mounts for p in path.parents if str(p) not in ("/", "/tmp")}):
        arguments += ["--perms", "0755", "--dir", folder]
    for path, kind in mounts:
        arguments += [kind, str(path), str(path)]
    return [*arguments, "--chdir", str(workdir)]


def _outermost(paths: list[Path]) -> list[Path]:
    """Drop paths already inside another one (and those /usr covers); keep the order."""
    kept: list[Path] = []
    for path in paths:
        covered = [Path("/usr"), *kept]
        if not any(path == other or other in path.parents for other in covered):
            kept.append(path)
    return kept
