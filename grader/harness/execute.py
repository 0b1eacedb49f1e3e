"""Cell-by-cell execution with nbclient: per-cell and total timeouts, continue past errors,
capped output, and a record of what happened to every student cell."""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass, field
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbclient.util import run_sync
from nbformat.v4 import new_code_cell

from grader.harness.notebook import SOURCE_INDEX

TRUNCATED = "\n[output truncated by the grader]\n"
TEXT_KEPT_PER_CELL = 32 * 1024


TIMEOUT_ENAME = "GraderCellTimeout"


class CappedNotebookClient(NotebookClient):
    """A NotebookClient for untrusted notebooks: errors do not stop it, a cell that runs too long
    is interrupted and answered with a synthetic error (letting nbclient raise instead leaves a
    cancelled poller that swallows later messages), and output past `output_cap` bytes per cell
    is dropped so a notebook printing gigabytes cannot exhaust the harness's memory. The kernel is
    stopped at once when grading is done (the probes have run; nothing more is read from it),
    not asked to shut down gracefully, which nbclient waits for."""

    def __init__(self, *args: Any, output_cap: int, **kwargs: Any) -> None:
        super().__init__(*args, allow_errors=True, interrupt_on_timeout=True, shutdown_kernel="immediate",
                         error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "interrupted by the grader",
                                           "traceback": []}, **kwargs)
        self.on_cell_executed = self._remember_reply
        self.last_reply_error: str | None = None
        self.output_cap = output_cap
        self._kept: dict[int, int] = {}

    def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001 - nbclient's signature
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
        kept = self._kept.get(cell_index, 0)
        if kept >= self.output_cap:
            return None
        self._kept[cell_index] = kept + size
        if kept + size > self.output_cap:
            outs.append(NotebookNode(output_type="stream", name="stderr", text=TRUNCATED))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _remember_reply(self, cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        content = (execute_reply or {}).get("content", {})
        self.last_reply_error = content.get("ename") if content.get("status") == "error" else None


@dataclass
class CellRecord:
    index: int
    status: str = "not_run"  # ok | error | timeout | not_run | skipped
    source_head: str = ""
    defines: list[str] = field(default_factory=list)
    error: dict[str, str] | None = None
    output_text: str = ""
    seconds: float = 0.0


@dataclass
class ExecutionRecord:
    cells: list[CellRecord]
    seconds: float = 0.0
    kernel_died: bool = False
    kernel_stuck: bool = False
    total_timeout: bool = False
    preamble_error: str | None = None

    @property
    def usable(self) -> bool:
        """Whether the kernel can still answer probes."""
        return not (self.kernel_died or self.kernel_stuck)


def run_cells(client: CappedNotebookClient, notebook: NotebookNode, *, cell_timeout: float,
              deadline: float) -> ExecutionRecord:
    """Execute every code cell in order inside client's running kernel, recording each outcome."""
    started = time.monotonic()
    records = {cell.metadata[SOURCE_INDEX]: _record_for(cell) for cell in notebook.cells if SOURCE_INDEX in cell.metadata}
    execution = ExecutionRecord(cells=[records[i] for i in sorted(records)])
    for position, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        record = records.get(cell.metadata.get(SOURCE_INDEX, -1))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            execution.total_timeout = True
            break
        client.timeout = max(1, int(min(cell_timeout, remaining)))
        cell_started = time.monotonic()
        try:
            outcome = execute_one(client, cell, position)
            if outcome == "timeout":
                execution.total_timeout = cell_timeout > remaining
                execution.kernel_stuck = not kernel_answers(client)
        except DeadKernelError:
            outcome = "error"
            execution.kernel_died = True
        if record is None:  # an injected cell: only the preamble matters
            if outcome != "ok" and set(cell.metadata.get("tags", [])) & {"grader-preamble"}:
                execution.preamble_error = _describe_error(_error_of(cell)) or outcome
        else:
            _fill(record, cell, outcome, time.monotonic() - cell_started, cell_timeout)
        if not execution.usable or execution.total_timeout:
            break
    execution.seconds = time.monotonic() - started
    return execution


def execute_one(client: CappedNotebookClient, cell: NotebookNode, position: int) -> str:
    """Run one cell: 'ok', 'error' or 'timeout' (raises DeadKernelError if the kernel dies)."""
    client.last_reply_error = None
    client.execute_cell(cell, position)
    if client.last_reply_error == TIMEOUT_ENAME:
        return "timeout"
    return "error" if client.last_reply_error or _error_of(cell) else "ok"


def kernel_answers(client: CappedNotebookClient, grace: float = 10) -> bool:
    """After an interrupt: does the kernel run a trivial cell again, or is the code ignoring it?"""
    probe = new_code_cell("pass")
    client.nb.cells.append(probe)
    client.timeout = int(grace)
    try:
        return execute_one(client, probe, len(client.nb.cells) - 1) == "ok"
    except DeadKernelError:
        return False
    finally:
        client.nb.cells.pop()


def _record_for(cell: NotebookNode) -> CellRecord:
    record = CellRecord(index=cell.metadata[SOURCE_INDEX], source_head=cell.source.strip()[:200])
    if cell.cell_type != "code":
        record.status = "skipped"
    else:
        record.defines = defined_names(cell.source)
    return record


def defined_names(source: str) -> list[str]:
    """Top-level names a cell defines (functions, classes, assignments), for pointing feedback at it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


def _error_of(cell: NotebookNode) -> dict | None:
    return next((out for out in cell.get("outputs", []) if out.get("output_type") == "error"), None)


def _describe_error(error: dict | None) -> str | None:
    return f"{error.get('ename')}: {error.get('evalue')}" if error else None


def _fill(record: CellRecord, cell: NotebookNode, outcome: str, seconds: float, cell_timeout: float) -> None:
    record.status = outcome
    record.seconds = round(seconds, 3)
    record.output_text = output_text(cell)[:TEXT_KEPT_PER_CELL]
    error = _error_of(cell)
    if outcome == "timeout":
        record.error = {"ename": "Timeout", "evalue": f"the cell ran longer than {cell_timeout:g} s and was interrupted"}
    elif error:
        traceback = "\n".join(error.get("traceback", []))
        record.error = {"ename": str(error.get("ename", ""))[:200], "evalue": str(error.get("evalue", ""))[:2000],
                        "traceback": _strip_ansi(traceback)[-4000:]}
    elif outcome == "error":
        record.error = {"ename": "KernelDied", "evalue": "the kernel died while running this cell (os._exit, a crash or memory)"}


def output_text(cell: NotebookNode) -> str:
    """The plain text a person sees under a cell: streams, text/plain results and errors."""
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            parts.append(str(out.get("data", {}).get("text/plain", "")))
        elif kind == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "\n".join(parts)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
