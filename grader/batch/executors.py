"""Where sandboxes run: threads on this machine, or tasks on a Ray cluster.

Only the sandbox run is handed out; planning and scoring stay in the grading process, so hidden
labels never leave it (a Ray node sees evaluation inputs, as any sandbox does, never labels).
An executor takes `SandboxRequest`s and yields `(key, SandboxResult)` as each finishes; `waited[key]`
is how long that submission waited for a worker (its queue time), which is not its runtime.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from grader.batch.gpus import GpuSlots
from grader.errors import InfrastructureError, UsageError
from grader.sandbox import Sandbox, SandboxRequest, SandboxResult, get_sandbox
from grader.spec.gpus import GpuRequest, parse_gpus


def with_device(request: SandboxRequest, device: str | None) -> SandboxRequest:
    """The request pinned to one GPU slot's device (`device=<id>`), or unchanged."""
    if device is None:
        return request
    pinned = GpuRequest(devices=(device,)).text
    return dataclasses.replace(request, resources=request.resources.model_copy(update={"gpus": pinned}))


class ThreadExecutor:
    """`workers` sandboxes at once on this machine. Threads suffice: the work happens in the
    sandbox's own processes, and threads keep the grader's memory flat however large the class.

    A sandbox that can start ahead (`prestarts`: local) gets a second thread per worker, which
    starts the next submission's sandbox (interpreters and kernel) while the current one runs and
    lets it go when a worker is free: the start-up leaves the critical path."""

    def __init__(self, sandbox: Sandbox, workers: int, gpu_slots: GpuSlots | None = None) -> None:
        self.workers = min(workers, gpu_slots.count) if gpu_slots else workers
        self._sandbox = sandbox
        self._slots = gpu_slots
        self._ahead = sandbox.prestarts and gpu_slots is None
        self._turns = threading.Semaphore(self.workers)
        self._closed = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=self.workers * (2 if self._ahead else 1),
                                        thread_name_prefix="sandbox")
        self._futures: dict[Future, str] = {}
        self.running: set[str] = set()
        self.waited: dict[str, float] = {}
        self._lock = threading.Lock()

    def submit(self, key: str, request: SandboxRequest) -> None:
        submitted = time.monotonic()
        run = self._run_ahead if self._ahead else self._run
        self._futures[self._pool.submit(run, key, request, submitted)] = key

    def _run(self, key: str, request: SandboxRequest, submitted: float) -> SandboxResult:
        device = self._slots.acquire() if self._slots else None
        self.waited[key] = time.monotonic() - submitted  # for a thread, then for a GPU slot
        try:
            return self._running(key, lambda: self._sandbox.run(with_device(request, device)))
        finally:
            if device is not None and self._slots:
                self._slots.release(device)

    def _run_ahead(self, key: str, request: SandboxRequest, submitted: float) -> SandboxResult:
        """The sandbox's start is work; the waits for a thread before it and for a turn after it are the queue."""
        starting = time.monotonic()
        held = self._sandbox.start(request)
        started = time.monotonic()
        with self._turns:
            self.waited[key] = (starting - submitted) + (time.monotonic() - started)
            if self._closed.is_set():
                held.cancel()
                return SandboxResult(observations=None, executed_notebook=None, failed="the batch was stopped")
            return self._running(key, held.finish)

    def _running(self, key: str, work: Callable[[], SandboxResult]) -> SandboxResult:
        with self._lock:
            self.running.add(key)
        try:
            return work()
        finally:
            with self._lock:
                self.running.discard(key)

    def finished(self) -> Iterator[tuple[str, SandboxResult] | None]:
        """Results in completion order until every submitted request is done."""
        while self._futures:
            done, _ = wait(list(self._futures), timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                key = self._futures.pop(future)
                yield key, _result_or_failure(future.result)
            if not done:
                yield None  # a heartbeat, so the progress display can tick

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _result_or_failure(get: Callable[[], SandboxResult]) -> SandboxResult:
    """A backend that raised for one submission (a lost Ray node, a Docker hiccup) yields an
    `error` result for it and the batch goes on. A missing image or engine is not about one
    submission: InfrastructureError stops the batch (finished grades are already stored)."""
    try:
        return get()
    except InfrastructureError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the machinery, reported per submission
        return SandboxResult(observations=None, executed_notebook=None,
                             failed=f"the sandbox backend failed: {type(exc).__name__}: {exc}")


def run_portable(sandbox_name: str, sandbox_options: dict[str, Any], request: SandboxRequest,
                 notebook: bytes) -> SandboxResult:
    """Run a request on a machine where the notebook's path does not exist: the bytes travel
    with the task and are written to a private temporary file there."""
    with tempfile.TemporaryDirectory(prefix="grader-task-") as scratch:
        local = Path(scratch) / "submission.ipynb"
        local.write_bytes(notebook)
        return get_sandbox(sandbox_name, **sandbox_options).run(dataclasses.replace(request, notebook=local))


class RayExecutor:
    """Each submission is one Ray task on an existing cluster (`ray start --head` on one machine,
    `ray start --address ...` on the others); every node needs grader installed and its sandbox
    (Docker image or local venv). Tasks ask Ray for the assignment's CPUs and GPUs, so Ray places
    at most as many submissions on a node as its resources allow."""

    def __init__(self, address: str, sandbox_name: str, sandbox_options: dict[str, Any]) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError("--executor ray needs Ray: pip install 'grader[ray]'") from None
        self._ray = ray
        try:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, logging_level=logging.ERROR)
        except Exception as exc:  # noqa: BLE001 - connection errors come in many types
            raise UsageError(f"cannot connect to the Ray cluster at {address}: {exc}") from None
        self._task = ray.remote(run_portable)
        self._sandbox = (sandbox_name, sandbox_options)
        self._pending: dict[Any, str] = {}
        self._submitted: dict[str, float] = {}
        self.workers = int(ray.cluster_resources().get("CPU", 1))
        self.running: set[str] = set()
        self.waited: dict[str, float] = {}

    def submit(self, key: str, request: SandboxRequest) -> None:
        gpus = _gpu_count(request.resources.gpus)
        task = self._task.options(num_cpus=max(1, int(request.resources.cpus)), num_gpus=gpus, max_retries=1)
        self._pending[task.remote(*self._sandbox, request, request.notebook.read_bytes())] = key
        self._submitted[key] = time.monotonic()
        self.running.add(key)

    def finished(self) -> Iterator[tuple[str, SandboxResult] | None]:
        ray = self._ray
        while self._pending:
            done, _ = ray.wait(list(self._pending), num_returns=1, timeout=0.5)
            for ref in done:
                key = self._pending.pop(ref)
                self.running.discard(key)
                result = _result_or_failure(functools.partial(ray.get, ref))
                # Ray does not say when a task began: all but the sandbox's own run counts as waiting
                self.waited[key] = max(0.0, time.monotonic() - self._submitted.pop(key) - result.seconds)
                yield key, result
            if not done:
                yield None

    def close(self) -> None:
        for ref in self._pending:
            self._ray.cancel(ref, force=True)
        self._ray.shutdown()


def _gpu_count(gpus: str | None) -> float:
    """How many GPUs a task asks Ray for: a count, a device list's length, or 1 for "all"."""
    wanted = parse_gpus(gpus)
    return float(wanted.scheduled) if wanted else 0
