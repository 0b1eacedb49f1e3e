"""Running the host's probe requests in the live kernel, one cell per request."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell

from grader.contract import CellStatus, EnvironmentRequest, ProbeRequest, ProbeResult
from grader.harness.budget import CpuWatch, KernelCpu, WorkLimits
from grader.harness.execute import CappedNotebookClient, execute_one, kernel_answers

MAX_RESULT_BYTES = 8 * 1024**2

ENVIRONMENT_PROBE = EnvironmentRequest(id="__environment__")

RawResult = dict[str, Any]  # a result as the kernel wrote it: relayed as it is, validated on the host


def run_probes(client: CappedNotebookClient, requests: list[ProbeRequest], *, result_dir: Path,
               timeout_each: float, deadline: float, threads: int = 1, meter: KernelCpu | None = None
               ) -> dict[str, RawResult]:
    """Results by request id. A probe that computes past `timeout_each` seconds of work (CPU
    time on `threads` cores) or waits past the wall-clock backstop is interrupted; if the kernel
    then stops answering, the remaining probes report that instead of running."""
    limits = WorkLimits(cell_seconds=timeout_each, total_seconds=timeout_each, threads=threads)
    results: dict[str, RawResult] = {}
    kernel_lost: str | None = None
    for number, request in enumerate(requests):
        if kernel_lost:
            results[request.id] = _failed(kernel_lost)
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            results[request.id] = _failed("the grader's probe time ran out before this check")
            continue
        result_path = result_dir / f"probe-{number}.json"
        cell = new_code_cell(probe_cell_source(request, result_path))
        client.nb.cells.append(cell)
        client.timeout = max(1, int(min(limits.wall(timeout_each), remaining)))
        budget = limits.cpu(timeout_each)
        watch = CpuWatch(meter, budget, limits.grace(budget))
        try:
            if execute_one(client, cell, len(client.nb.cells) - 1, watch) == CellStatus.TIMEOUT:
                results[request.id] = _failed(f"timed out: stopped after {timeout_each:g} s of computing"
                                              if watch.interrupted
                                              else f"timed out: stopped after waiting {client.timeout} s")
                if not watch.interrupted and not kernel_answers(client):
                    kernel_lost = "the kernel stopped answering after an earlier check timed out"
            else:
                results[request.id] = read_result(result_path, cell)
        except DeadKernelError:
            results[request.id] = _failed(f"timed out: stopped after {timeout_each:g} s of computing; the code "
                                          "ignored the interrupt" if watch.killed
                                          else "the kernel died while this check ran")
            kernel_lost = "the kernel died during an earlier check"
        finally:
            client.nb.cells.pop()
    return results


def _failed(error: str) -> RawResult:
    return ProbeResult.failed(error).to_json()


def probe_cell_source(request: ProbeRequest, result_path: Path) -> str:
    payload = json.dumps(request.to_json())
    return (
        "import sys as _g_sys, json as _g_json\n"
        "_g_sys.modules['grader.probe.runtime']"
        f".run_request(_g_json.loads({payload!r}), globals(), {str(result_path)!r})\n"
        "del _g_sys, _g_json"
    )


def read_result(path: Path, cell) -> RawResult:  # noqa: ANN001 - a NotebookNode
    """The probe's result file, which the kernel wrote into its own folder: read without following
    a link or blocking on a pipe the notebook may have put there, and only up to the cap."""
    try:
        data = read_regular_file(path, MAX_RESULT_BYTES)
    except FileNotFoundError:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        detail = f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else "no result was written"
        return _failed(f"the check could not run ({detail})")
    except OverflowError:
        return _failed(f"the result was larger than {MAX_RESULT_BYTES // 1024**2} MiB")
    except OSError:
        return _failed("the result was not a plain file")
    finally:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
    try:
        result = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _failed("the result was not valid JSON")
    return result if isinstance(result, dict) else _failed("the result was not an object")


def read_regular_file(path: Path, cap: int) -> bytes:
    """Bytes of a regular file at path, never through a symbolic link; OverflowError past cap,
    FileNotFoundError when absent, another OSError for anything that is not a regular file."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(f"{path.name} is not a regular file")
        if status.st_size > cap:
            raise OverflowError(path.name)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(cap + 1)
    finally:
        os.close(descriptor)
    if len(data) > cap:
        raise OverflowError(path.name)
    return data
