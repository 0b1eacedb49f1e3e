"""The `local` backend: the harness in a child process with rlimits, a scrubbed environment, a
scratch folder, and a wall-clock kill of everything it started. For students checking their own
work and for quick runs; instructors grading untrusted code should prefer `docker`."""

from __future__ import annotations

import collections
import shutil
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

import grader
from grader.sandbox.base import Sandbox, SandboxRequest, SandboxResult, register
from grader.sandbox.common import LOG_TAIL_BYTES, sandbox_environment
from grader.sandbox.limits import limit_setter, plan_limits
from grader.sandbox.staging import stage
from grader.sandbox.supervise import WALL_CLOCK_EXIT

GRACE_SECONDS = 15


@register("local")
class LocalSandbox(Sandbox):
    name = "local"

    def run(self, request: SandboxRequest) -> SandboxResult:
        started = time.monotonic()
        scratch = tempfile.mkdtemp(prefix="grader-sandbox-")
        root = Path(scratch)
        try:
            job_file = stage(request, root)
            limits, notes = plan_limits(request.resources, cpu_seconds=int(request.wall_timeout * max(1, request.resources.cpus)))
            command = [sys.executable, "-m", "grader.sandbox.supervise", str(request.wall_timeout), "--",
                       sys.executable, "-m", "grader.harness", str(job_file)]
            killed, timed_out, log_tail = _run_bounded(command, cwd=root / request.job.workdir,
                                            env=_environment(root, request), preexec=limit_setter(limits),
                                            timeout=request.wall_timeout + GRACE_SECONDS)
            return SandboxResult.from_outdir(root / request.job.outdir, observations_cap=request.job.observations_cap,
                                             killed=killed, timed_out=timed_out, log_tail=log_tail, notes=notes,
                                             seconds=time.monotonic() - started)
        finally:
            _remove_tree(root)


def _environment(root: Path, request: SandboxRequest) -> dict[str, str]:
    return sandbox_environment(root, threads=request.job.threads, python_dir=str(Path(sys.executable).parent),
                               package_parent=str(Path(grader.__file__).resolve().parent.parent), backend="local")


def _run_bounded(command: list[str], *, cwd: Path, env: dict[str, str], preexec, timeout: float) -> tuple[str | None, bool, str]:  # noqa: ANN001
    """Run command in its own session; keep only the tail of its output; kill the whole tree on
    timeout. Returns (why it was killed or None, whether time ran out, output tail)."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec)
    tail: collections.deque[bytes] = collections.deque()
    reader = threading.Thread(target=_keep_tail, args=(process.stdout, tail), daemon=True)
    reader.start()
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
        reader.join(timeout=5)
    return killed, timed_out, b"".join(tail).decode("utf-8", errors="replace")[-LOG_TAIL_BYTES:]


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


def _remove_tree(root: Path) -> None:
    """Remove the scratch folder even if the notebook made parts of it read-only."""
    def make_writable_and_retry(function, path, _exc):  # noqa: ANN001
        try:
            os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass

    shutil.rmtree(root, onexc=make_writable_and_retry) if sys.version_info >= (3, 12) else \
        shutil.rmtree(root, onerror=make_writable_and_retry)
