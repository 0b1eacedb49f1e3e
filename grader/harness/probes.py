"""Running the host's probe requests in the live kernel, one cell per request."""

from __future__ import annotations

import json
import time
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell

from grader.harness.execute import CappedNotebookClient, execute_one, kernel_answers

MAX_RESULT_BYTES = 8 * 1024**2

ENVIRONMENT_PROBE = {"id": "__environment__", "op": "environment"}


def run_probes(client: CappedNotebookClient, requests: list[dict], *, result_dir: Path,
               timeout_each: float, deadline: float) -> dict[str, dict]:
    """Results by request id. A probe that hangs is interrupted; if the kernel then stops
    answering, the remaining probes report that instead of running."""
    results: dict[str, dict] = {}
    kernel_lost: str | None = None
    for number, request in enumerate(requests):
        if kernel_lost:
            results[request["id"]] = {"ok": False, "error": kernel_lost}
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            results[request["id"]] = {"ok": False, "error": "the grader's probe time ran out before this check"}
            continue
        result_path = result_dir / f"probe-{number}.json"
        cell = new_code_cell(probe_cell_source(request, result_path))
        client.nb.cells.append(cell)
        client.timeout = max(1, int(min(timeout_each, remaining)))
        try:
            if execute_one(client, cell, len(client.nb.cells) - 1) == "timeout":
                results[request["id"]] = {"ok": False, "error": f"timed out after {client.timeout} s"}
                if not kernel_answers(client):
                    kernel_lost = "the kernel stopped answering after an earlier check timed out"
            else:
                results[request["id"]] = read_result(result_path, cell)
        except DeadKernelError:
            results[request["id"]] = {"ok": False, "error": "the kernel died while this check ran"}
            kernel_lost = "the kernel died during an earlier check"
        finally:
            client.nb.cells.pop()
    return results


def probe_cell_source(request: dict, result_path: Path) -> str:
    payload = json.dumps(request)
    return (
        "import sys as _g_sys, json as _g_json\n"
        f"_g_sys.modules['grader.probe.runtime'].run_request(_g_json.loads({payload!r}), globals(), {str(result_path)!r})\n"
        "del _g_sys, _g_json"
    )


def read_result(path: Path, cell) -> dict:  # noqa: ANN001 - a NotebookNode
    if not path.is_file():
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        detail = f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else "no result was written"
        return {"ok": False, "error": f"the check could not run ({detail})"}
    if path.stat().st_size > MAX_RESULT_BYTES:
        return {"ok": False, "error": f"the result was larger than {MAX_RESULT_BYTES // 1024**2} MiB"}
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"ok": False, "error": "the result was not valid JSON"}
    finally:
        path.unlink(missing_ok=True)
    return result if isinstance(result, dict) else {"ok": False, "error": "the result was not an object"}
