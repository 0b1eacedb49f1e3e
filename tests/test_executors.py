"""Executors and progress without kernels: GPU slots, pinning, backend failures, the live line."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from grader.batch.executors import ThreadExecutor, _gpu_count, with_device
from grader.batch.gpus import GpuSlots, parse_devices
from grader.batch.progress import Progress
from grader.errors import InfrastructureError, UsageError
from grader.harness.job import HarnessJob
from grader.sandbox import Sandbox, SandboxRequest, SandboxResult
from grader.spec.assignment import Resources
from grader.spec.gpus import ALL, GpuRequest, parse_gpus


def request(gpus: str | None = None) -> SandboxRequest:
    job = HarnessJob(assignment="toy", parameters={}, threads=1, cell_timeout=5, total_timeout=10, probe_timeout=5,
                     output_cap=1024, probes=[], eval_inputs=[])
    return SandboxRequest(job=job, notebook=Path("x.ipynb"), resources=Resources(gpus=gpus))


class RecordingSandbox(Sandbox):
    """Answers at once and remembers which GPU each request was pinned to and how many ran at once."""

    name = "recording"

    def __init__(self, fail: Exception | None = None) -> None:
        self.devices: list[str | None] = []
        self.fail = fail
        self.active = self.most_active = 0
        self._lock = threading.Lock()

    def run(self, request: SandboxRequest) -> SandboxResult:
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            self.devices.append(request.resources.gpus)
        try:
            if self.fail:
                raise self.fail
            threading.Event().wait(0.05)
            return SandboxResult(observations="{}", executed_notebook=None)
        finally:
            with self._lock:
                self.active -= 1


def drain(executor: ThreadExecutor) -> dict[str, SandboxResult]:
    return dict(event for event in executor.finished() if event is not None)


def test_gpu_slots_pin_each_submission_and_bound_concurrency():
    sandbox = RecordingSandbox()
    executor = ThreadExecutor(sandbox, workers=8, gpu_slots=GpuSlots(["0", "1"], share=1))
    assert executor.workers == 2
    for index in range(6):
        executor.submit(f"s{index}", request())
    assert len(drain(executor)) == 6
    assert sorted(set(sandbox.devices)) == ["device=0", "device=1"] and sandbox.most_active <= 2


def test_sharing_a_gpu_allows_that_many_at_once():
    slots = GpuSlots(["0"], share=3)
    assert slots.count == 3 and [slots.acquire() for _ in range(3)] == ["0", "0", "0"]
    with pytest.raises(UsageError):
        GpuSlots(["0"], share=0)


def test_device_parsing_and_ray_gpu_counts():
    assert parse_devices("0, 1") == ["0", "1"] and parse_devices(None) == []
    with pytest.raises(UsageError):
        parse_devices("gpu0")
    assert with_device(request(), None).resources.gpus is None
    assert with_device(request("all"), "1").resources.gpus == "device=1"
    assert [_gpu_count(g) for g in (None, "2", "all", "device=0,1", "0,1")] == [0, 2, 1, 2, 2]


@pytest.mark.parametrize("gpus, expected", [
    ("all", GpuRequest(count=ALL)),
    ("2", GpuRequest(count=2)),
    (" 3 ", GpuRequest(count=3)),
    ("0,1", GpuRequest(devices=("0", "1"))),
    ("device=0", GpuRequest(devices=("0",))),
    ("device=0, 2", GpuRequest(devices=("0", "2"))),
    ("MIG-4a1f/1/0", GpuRequest(devices=("MIG-4a1f/1/0",))),
])
def test_one_parser_reads_the_gpus_resource(gpus, expected):
    """grader.spec.gpus is what the docker sandbox's device requests, a Ray task's GPU count and a
    GPU slot's pin all read; its text reads back as the same request."""
    assert parse_gpus(gpus) == expected
    assert parse_gpus(expected.text) == expected
    assert _gpu_count(gpus) == expected.scheduled == {ALL: 1}.get(expected.count, expected.count or len(expected.devices))


@pytest.mark.parametrize("gpus", ["0", "-1", "some", "0;1", "device=", "device=0,", " "])
def test_a_gpus_value_the_parser_does_not_know_is_a_usage_error(gpus):
    with pytest.raises(UsageError, match="--gpus"):
        parse_gpus(gpus)
    assert parse_gpus(None) is None and parse_gpus("") is None


def test_a_failing_backend_costs_one_submission_but_a_missing_engine_stops_the_batch():
    executor = ThreadExecutor(RecordingSandbox(fail=RuntimeError("connection reset")), workers=1)
    executor.submit("s1", request())
    result = drain(executor)["s1"]
    assert result.failed and "connection reset" in result.failed
    executor = ThreadExecutor(RecordingSandbox(fail=InfrastructureError("no image")), workers=1)
    executor.submit("s1", request())
    with pytest.raises(InfrastructureError):
        drain(executor)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal_and_logs_lines_elsewhere():
    screen = Terminal()
    progress = Progress(4, workers=2, stream=screen)
    progress.tick(2)
    progress.finished("a: graded 10/10", ok=True, seconds=4.0)
    progress.finished("b: crashed 0/10", ok=False, seconds=2.0)
    line = progress.line()
    assert "2/4 done" in line and "1 failed" in line and "ETA 3s" in line
    assert "\n" not in screen.getvalue() and screen.getvalue().count("\r") >= 2
    log = io.StringIO()
    logged = Progress(2, workers=1, stream=log)
    logged.finished("a: graded 10/10", ok=True, seconds=1.0)
    assert log.getvalue() == "[1/2] a: graded 10/10\n"
