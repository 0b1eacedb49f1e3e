"""What the `namespaces` and `unisolated` backends share: the harness as a child process of the
grader (under a supervisor that owns the wall clock and kills every leftover), a scrubbed
environment, a scratch folder, start-ahead (`--hold`/`go`), and a wall-clock kill of everything
it started. The backends differ only in how the kernel is confined: `kernel_prefix`.

The harness itself is trusted: it runs as the grading user outside the kernel's confinement,
writes the observations into `out/`, which the kernel never sees, and starts the kernel through
the prefix (bubblewrap's namespaces, or the limits alone)."""

from __future__ import annotations

import abc
import collections
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

import grader
from grader.harness.hold import GO, HOLD
from grader.harness.progress import PROGRESS_FILE, ProgressTail
from grader.sandbox.base import Sandbox, SandboxRequest, SandboxResult
from grader.sandbox.common import LOG_TAIL_BYTES, sandbox_environment
from grader.sandbox.limits import plan_limits
from grader.sandbox.staging import stage
from grader.sandbox.supervise import WALL_CLOCK_EXIT

GRACE_SECONDS = 15
SCRATCH_PREFIX = "grader-sandbox-"


@dataclass
class KernelConfinement:
    """How one run's kernel is started: the command put before the kernel's own, what must be
    done to the staged scratch folder first, and notes for grade.json on what is not enforced."""

    prefix: list[str]
    notes: list[str]
    kernel_uid: int | None = None   # the scratch's kernel-writable folders are given to this user


class ProcessSandbox(Sandbox):
    prestarts = True

    def __init__(self) -> None:
        remove_orphaned_scratch()

    @abc.abstractmethod
    def confine(self, root: Path, request: SandboxRequest, limits: dict[str, int]) -> KernelConfinement: ...

    def run(self, request: SandboxRequest) -> SandboxResult:
        return self.start(request).finish()

    def start(self, request: SandboxRequest) -> HeldRun:
        """Stage the folder and start supervisor, harness and kernel; the notebook waits for `finish`."""
        root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        try:
            limits, notes = plan_limits(request.resources,
                                        cpu_seconds=int(request.wall_timeout * max(1, request.resources.cpus)))
            confinement = self.confine(root, request, limits)
            request.job.kernel_command = confinement.prefix
            job_file = stage(request, root)
            if confinement.kernel_uid is not None:
                hand_over(root, request.job.kernel_writable, confinement.kernel_uid)
            # -P: nothing is imported from the working folder, which the kernel can write
            command = [sys.executable, "-P", "-m", "grader.sandbox.supervise", str(request.wall_timeout), HOLD, "--",
                       sys.executable, "-P", "-m", "grader.harness", str(job_file), HOLD]
            process, tail, reader = _launch(command, cwd=root, env=_environment(root, request, self.name))
        except BaseException:
            remove_tree(root)
            raise
        return HeldRun(request, root, [*notes, *confinement.notes], process, tail, reader)


@dataclass
class HeldRun:
    """A started sandbox whose notebook has not begun: its kernel is up or coming up."""

    request: SandboxRequest
    root: Path
    notes: list[str]
    process: subprocess.Popen
    tail: collections.deque
    reader: threading.Thread

    def finish(self) -> SandboxResult:
        """Let the notebook run, wait for it (killing the whole tree on timeout) and collect."""
        started = time.monotonic()
        try:
            _send_go(self.process)
            with _tailing(self.root / self.request.job.outdir / PROGRESS_FILE, self.request):
                killed, timed_out = _wait_bounded(self.process, timeout=self.request.wall_timeout + GRACE_SECONDS)
            self.reader.join(timeout=5)
            log_tail = b"".join(self.tail).decode("utf-8", errors="replace")[-LOG_TAIL_BYTES:]
            return SandboxResult.from_outdir(self.root / self.request.job.outdir,
                                             observations_cap=self.request.job.observations_cap, killed=killed,
                                             timed_out=timed_out, log_tail=log_tail, notes=self.notes,
                                             seconds=time.monotonic() - started)
        finally:
            remove_tree(self.root)

    def cancel(self) -> None:
        """Stop it without running the notebook."""
        _kill_tree(self.process)
        remove_tree(self.root)


def _tailing(path: Path, request: SandboxRequest) -> contextlib.AbstractContextManager:
    """The harness's progress lines to the request's display while the run is waited for."""
    return ProgressTail(path, request.progress) if request.progress else contextlib.nullcontext()


def hand_over(root: Path, folders: list[str], uid: int) -> None:
    """Give the kernel's own folders (and what was staged in them) to the kernel's user; the job,
    the evaluation inputs and the output folder stay the grading user's."""
    for name in folders:
        top = root / name
        os.lchown(top, uid, uid)
        for folder, dirs, files in os.walk(top):
            for entry in (*dirs, *files):
                os.lchown(os.path.join(folder, entry), uid, uid)


def _environment(root: Path, request: SandboxRequest, backend: str) -> dict[str, str]:
    return sandbox_environment(root, threads=request.job.threads, python_dir=str(Path(sys.executable).parent),
                               package_parent=str(Path(grader.__file__).resolve().parent.parent), backend=backend)


def _launch(command: list[str], *, cwd: Path, env: dict[str, str]):  # noqa: ANN202
    """Start command in its own session with a pipe for the `go` line; keep only the tail of its output."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    tail: collections.deque[bytes] = collections.deque()
    reader = threading.Thread(target=_keep_tail, args=(process.stdout, tail), daemon=True)
    reader.start()
    return process, tail, reader


def _send_go(process: subprocess.Popen) -> None:
    assert process.stdin is not None, "started with stdin=PIPE (_launch)"
    try:
        process.stdin.write(GO)
        process.stdin.close()
    except (BrokenPipeError, ValueError):  # it already ended (a failed start): its status tells why
        pass


def _wait_bounded(process: subprocess.Popen, *, timeout: float) -> tuple[str | None, bool]:
    """Wait for the supervisor; kill the whole tree on timeout. Returns (why it was killed or None,
    whether time ran out)."""
    killed, timed_out = None, False
    try:
        status = process.wait(timeout=timeout)
        if status == WALL_CLOCK_EXIT:
            killed, timed_out = "the notebook ran past its total time limit and was stopped", True
        elif status < 0:
            killed = f"the sandbox was killed by signal {signal.Signals(-status).name}"
    except subprocess.TimeoutExpired:
        killed, timed_out = "the sandbox did not finish in time and was killed", True
    finally:
        _kill_tree(process)
    return killed, timed_out


def _keep_tail(stream, tail: collections.deque[bytes]) -> None:  # noqa: ANN001
    size = 0
    for chunk in iter(lambda: stream.read1(65536), b""):
        tail.append(chunk)
        size += len(chunk)
        while size > LOG_TAIL_BYTES and len(tail) > 1:
            size -= len(tail.popleft())


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill the process group and any descendant that escaped it (the kernel has its own session)."""
    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for child in descendants:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait()


def remove_tree(root: Path) -> None:
    """Remove the scratch folder even if the notebook made parts of it read-only. Never follows
    a link the notebook left: rmtree does not, and only real folders are made writable."""
    def make_writable_and_retry(function: Callable[[str], object], path: str, _exc: object) -> None:
        try:
            if not os.path.islink(path):
                os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(root, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(root, onerror=make_writable_and_retry)


def remove_orphaned_scratch() -> None:
    """Remove scratch folders that a grader killed mid-run left behind (their name carries the
    grader's pid; a folder whose grader still runs is left alone)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        owner = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if owner.isdigit() and not psutil.pid_exists(int(owner)) and folder.is_dir() and not folder.is_symlink():
            remove_tree(folder)
