"""Cell-by-cell execution with nbclient: per-cell and total timeouts, continue past errors,
capped output, and a record of what happened to every student cell."""

from __future__ import annotations

import ast
import contextlib
import time
from dataclasses import dataclass
from typing import Any, cast

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import DELIM
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell
from traitlets import Type

from grader.contract import CellLine, CellRecord, CellStatus, Execution, Overrun
from grader.harness.budget import CpuWatch, KernelCpu, WorkLimits
from grader.harness.frames import student_lines
from grader.harness.notebook import SOURCE_INDEX, has_code
from grader.stopped import overrun_text
from grader.text import cap, readable

TRUNCATED = "\n[output truncated by the grader]\n"
TEXT_KEPT_PER_CELL = 32 * 1024


TIMEOUT_ENAME = "GraderCellTimeout"

# Output past a cell's cap must cost next to nothing, however much the notebook prints. It is
# dropped at three places, cheapest first:
#  - in the kernel (KERNEL_OUTPUT_CAP): everything written to sys.stdout/sys.stderr (print, logging,
#    and file descriptors 1 and 2, which ipykernel reads back into them) passes on only
#    `output_cap + 1` characters per execution, and IPython's copy of every cell's output is not
#    kept. Without this a loop printing 1 GB was held in the kernel several times over (IPython 9's
#    output history, ipykernel's 0.2 s buffers sent as messages of hundreds of MB): a MemoryError
#    under the kernel's address-space limit, or the container's memory limit. It spares the
#    notebook; the harness does not rely on it.
#  - in CappedIOPubChannel: a message whose content is larger than `max_content`, or that is output
#    of an execution already past its cap, is received without a copy and never decoded; the cell
#    is told only how many bytes were dropped.
#  - in CappedNotebookClient.output: what is left is counted against the cap; the first
#    `output_cap` characters are kept, then the TRUNCATED marker.
# (zmq's own limits do not help: its queue is counted in messages, and a frame over MAXMSGSIZE
# ends the connection to the kernel for good.)
SMALL_FRAME = 64 * 1024  # the most a header, or an error kept past the cap, may take
DROPPED = "grader_dropped_output"
OUTPUT_TYPES = frozenset({"stream", "display_data", "execute_result", "update_display_data", "error"})

KERNEL_OUTPUT_CAP = """
def _grader_cap_output(allowance):
    import collections, sys
    from ipykernel.iostream import OutStream

    class Forgetful(collections.defaultdict):
        # IPython 9 keeps every piece of output of every cell (history_manager.outputs, for
        # %notebook): a loop printing 1 GB kept 1 GB in the kernel. Here it keeps nothing.
        def __contains__(self, key):
            return False

        def __getitem__(self, key):
            return []

        def __setitem__(self, key, value):
            pass

    shell = get_ipython()
    history = getattr(shell, "history_manager", None)
    if isinstance(getattr(history, "outputs", None), dict):
        history.outputs = Forgetful(list)

    write = OutStream.write
    if getattr(write, "_grader_capped", False):
        return
    left = {}  # execution (parent msg_id) -> characters still passed on (threads may race: harmless)

    def capped_write(self, string):
        if not isinstance(string, str):
            return write(self, string)
        try:
            key = self.parent_header.get("msg_id")
        except Exception:
            key = None
        budget = left.get(key, allowance)
        if budget == allowance and len(left) > 1000:
            left.clear()
        left[key] = budget - len(string) if budget > len(string) else 0
        if len(string) <= budget:
            return write(self, string)
        if budget:
            write(self, string[:budget])
        return len(string)

    capped_write._grader_capped = True
    OutStream.write = capped_write

    tee = getattr(shell, "_tee", None)
    if tee is not None:
        # IPython 9 wraps sys.stdout.write around each cell and afterwards leaves the stream's own
        # write method in the instance, which would hide the capped one from then on
        def untangled_tee(channel, *args, **kwargs):
            stream = getattr(sys, channel, None)
            stale = getattr(stream, "__dict__", {}).get("write")
            if getattr(stale, "__func__", None) is write:
                del stream.write
            return tee(channel, *args, **kwargs)

        shell._tee = untangled_tee


try:
    _grader_cap_output(ALLOWANCE)
finally:
    del _grader_cap_output
"""


class CappedIOPubChannel(AsyncZMQSocketChannel):
    """The IOPub channel of an untrusted kernel: messages are received without copying, and one
    whose content is too large to keep, or that belongs to an execution already past its output
    cap (`spent`), comes out as a small `grader_dropped_output` message with the original
    header and parent, its content never decoded (nor its signature checked: the content is thrown
    away, and the kernel, the only sender, holds the key anyway)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_content = 16 * 1024**2  # CappedNotebookClient raises it for caps over 2 MiB
        self.spent: set[str] = set()  # parent msg_ids

    async def _recv(self, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        assert self.socket is not None
        frames = await self.socket.recv_multipart(copy=False)
        at = next((i for i, f in enumerate(frames) if len(f) == len(DELIM) and f.bytes == DELIM), None)
        parts = frames[at + 1:] if at is not None else []
        if len(parts) < 5 or any(len(f) > SMALL_FRAME for f in parts[1:4]):
            return self._dropped({}, {}, sum(len(f) for f in frames), "malformed")
        try:
            header, parent = self.session.unpack(parts[1].bytes), self.session.unpack(parts[2].bytes)
        except ValueError:
            header = parent = None
        if not isinstance(header, dict) or not isinstance(parent, dict):
            return self._dropped({}, {}, sum(len(f) for f in frames), "malformed")
        size = sum(len(f) for f in parts[4:])
        kind = header.get("msg_type")
        if size > self.max_content or (kind in OUTPUT_TYPES and parent.get("msg_id") in self.spent
                                       and (kind != "error" or size > SMALL_FRAME)):
            return self._dropped(header, parent, size, kind)
        return self.session.deserialize(parts, copy=False)

    @staticmethod
    def _dropped(header: dict, parent: dict, size: int, kind: Any) -> dict[str, Any]:
        return {"header": header, "msg_id": header.get("msg_id"), "msg_type": DROPPED, "parent_header": parent,
                "metadata": {}, "content": {"bytes": size, "msg_type": str(kind)}, "buffers": []}


class CappedKernelClient(AsyncKernelClient):
    """A kernel client whose IOPub channel is a CappedIOPubChannel."""

    iopub_channel_class = Type(CappedIOPubChannel)


class CappedNotebookClient(NotebookClient):
    """A NotebookClient for untrusted notebooks: errors do not stop it, a cell that runs too long
    is interrupted and answered with a synthetic error (letting nbclient raise instead leaves a
    cancelled poller that swallows later messages), and output past `output_cap` bytes per cell
    is dropped so a notebook printing gigabytes cannot exhaust the harness's memory (see
    KERNEL_OUTPUT_CAP and CappedIOPubChannel: what is dropped is never decoded, and a cell that
    prints a flood ends with the TRUNCATED marker and goes on). An error is kept past the cap,
    once per cell. The kernel is stopped at once when grading is done (the probes have run;
    nothing more is read from it), not asked to shut down gracefully, which nbclient waits for."""

    def __init__(self, *args: Any, output_cap: int, **kwargs: Any) -> None:
        super().__init__(*args, allow_errors=True, interrupt_on_timeout=True, shutdown_kernel="immediate",
                         error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "interrupted by the grader",
                                           "traceback": []}, **kwargs)
        self.on_cell_executed = self._remember_reply
        self.last_reply_error: str | None = None
        self.last_reply_detail: dict[str, str] | None = None
        self.output_cap = output_cap
        self._kept: dict[str, int] = {}  # bytes of output kept, by execution (parent msg_id)
        self._spent: set[str] = set()  # executions past the cap, shared with the IOPub channel
        self._error_kept: set[str] = set()

    def create_kernel_manager(self):  # noqa: ANN201 - nbclient's signature
        km = super().create_kernel_manager()
        km.client_factory = CappedKernelClient
        return km

    async def async_start_new_kernel_client(self):  # noqa: ANN201 - nbclient's signature
        # nbclient types the client as the base KernelClient; it is a CappedKernelClient (create_kernel_manager)
        kc = cast(AsyncKernelClient, await super().async_start_new_kernel_client())
        channel = kc.iopub_channel
        if isinstance(channel, CappedIOPubChannel):
            channel.spent = self._spent
            channel.max_content = max(16 * 1024**2, 8 * self.output_cap)
        try:  # the courtesy cap in the kernel; without it the harness still drops the flood
            reply = await ensure_async(kc.execute(KERNEL_OUTPUT_CAP.replace("ALLOWANCE", str(self.output_cap + 1)),
                                                  silent=True, store_history=False, reply=True,
                                                  timeout=self.startup_timeout))
            if reply["content"].get("status") != "ok":
                self.log.warning("the kernel-side output cap failed: %s", _error_detail(reply["content"]))
        except Exception as exc:  # noqa: BLE001
            self.log.warning("the kernel-side output cap was not installed: %s", exc)
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        parent = msg.get("parent_header", {}).get("msg_id")
        kind, content = msg.get("msg_type"), msg.get("content", {})
        kept = self._kept.get(parent, 0)
        if kept >= self.output_cap:
            if kind == "error" and parent not in self._error_kept:  # what the feedback needs most
                self._error_kept.add(parent)
                return super().output(outs, _trimmed_error(msg), display_id, cell_index)
            return None
        text = content.get("text", "") if kind == "stream" else ""
        if kind == DROPPED:
            size = self.output_cap + 1  # never kept, whatever its size
        else:
            size = len(str(text)) + sum(len(str(v)) for v in (content.get("data") or {}).values())
        self._kept[parent] = kept + size
        if kept + size <= self.output_cap:
            return super().output(outs, msg, display_id, cell_index)
        self._spent.add(parent)
        if text and isinstance(text, str):
            super().output(outs, {**msg, "content": {**content, "text": text[:self.output_cap - kept]}},
                           display_id, cell_index)
        outs.append(NotebookNode(output_type="stream", name="stderr", text=TRUNCATED))
        return None

    def _remember_reply(self, cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        content = (execute_reply or {}).get("content", {})
        failed = content.get("status") == "error"
        self.last_reply_error = content.get("ename") if failed else None
        self.last_reply_detail = _error_detail(content) if failed else None


def _trimmed_error(msg: dict) -> dict:
    content = msg.get("content", {})
    traceback = [str(line)[:2000] for line in (content.get("traceback") or [])[-40:]]
    return {**msg, "content": {**content, "ename": str(content.get("ename", ""))[:200],
                               "evalue": str(content.get("evalue", ""))[:2000], "traceback": traceback}}


def _error_detail(content: dict) -> dict[str, str]:
    """ename, evalue and traceback as a cell's record keeps them: escape codes stripped and pasted
    arrays elided before the caps (grader.text), so a cut never lands inside a dump."""
    traceback = "\n".join(str(line) for line in (content.get("traceback") or [])[-40:])
    return {"ename": cap(str(content.get("ename", "")), 200), "evalue": readable(str(content.get("evalue", "")), 2000),
            "traceback": readable(traceback)[-4000:]}


@dataclass(kw_only=True)
class ExecutionRecord(Execution):
    """The run as the harness sees it: what observations.json reports (grader.contract.Execution,
    whose cells the harness fills in as they run) and what only the harness needs."""

    kernel_stuck: bool = False
    preamble_error: str | None = None

    @property
    def usable(self) -> bool:
        """Whether the kernel can still answer probes."""
        return not (self.kernel_died or self.kernel_stuck)

    def reported(self) -> Execution:
        """The part that crosses into observations.json."""
        return Execution(seconds=round(self.seconds, 3), kernel_died=self.kernel_died,
                         total_timeout=self.total_timeout, total_waited=self.total_waited, cells=self.cells)


def run_cells(client: CappedNotebookClient, notebook: NotebookNode, *, limits: WorkLimits,
              meter: KernelCpu | None) -> ExecutionRecord:
    """Execute every code cell in order inside client's running kernel, recording each outcome.
    Cells are held to CPU budgets (grader.harness.budget); the wall clock is only a backstop."""
    started = time.monotonic()
    records = {cell.metadata[SOURCE_INDEX]: _record_for(cell) for cell in notebook.cells
               if SOURCE_INDEX in cell.metadata}
    execution = ExecutionRecord(cells=[records[i] for i in sorted(records)])
    cells_by_count: dict[int, int] = {}  # the kernel's execution count -> student cell, for tracebacks
    cell_cpu, total_cpu = limits.cpu(limits.cell_seconds), limits.cpu(limits.total_seconds)
    cpu_at_start = meter.seconds() if meter else 0.0
    wall_deadline = started + limits.wall(limits.total_seconds)
    for position, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not has_code(cell.source):
            continue
        record = records.get(cell.metadata.get(SOURCE_INDEX, -1))
        remaining_cpu = total_cpu - ((meter.seconds() - cpu_at_start) if meter else 0.0)
        remaining_wall = wall_deadline - time.monotonic()
        if remaining_cpu <= 0 or remaining_wall <= 0:
            execution.total_timeout, execution.total_waited = True, remaining_cpu > 0
            break
        budget = min(cell_cpu, remaining_cpu)
        client.timeout = max(1, int(min(limits.wall(limits.cell_seconds), remaining_wall)))
        watch = CpuWatch(meter, budget, limits.grace(budget))
        cell_started = time.monotonic()
        stopped: str | None = None
        try:
            outcome = execute_one(client, cell, position, watch)
            if outcome == CellStatus.TIMEOUT:
                stopped = "work" if watch.interrupted else "wait"
                if watch.interrupted and meter is not None:
                    meter.stop_leftovers()
                execution.total_timeout = budget < cell_cpu if watch.interrupted else \
                    limits.wall(limits.cell_seconds) > remaining_wall
                execution.total_waited = execution.total_timeout and not watch.interrupted
                if not watch.interrupted:  # the backstop interrupted a cell that waits: is anyone there?
                    execution.kernel_stuck = not kernel_answers(client)
        except DeadKernelError:
            outcome = CellStatus.TIMEOUT if watch.killed else CellStatus.ERROR
            stopped = "work" if watch.killed else None
            execution.kernel_stuck, execution.kernel_died = watch.killed, not watch.killed
        if record is None:  # an injected cell: only the preamble matters
            if outcome != CellStatus.OK and set(cell.metadata.get("tags", [])) & {"grader-preamble"}:
                execution.preamble_error = _describe_error(_error_of(cell)) or outcome
        else:
            if isinstance(cell.get("execution_count"), int):
                cells_by_count[cell.execution_count] = record.index
            _fill(record, cell, outcome, time.monotonic() - cell_started,
                  None if execution.kernel_died else client.last_reply_detail, cells_by_count)
            record.cpu_seconds = round(watch.used, 3)
            if stopped:
                record.overrun = _overrun(stopped, limits, total=execution.total_timeout)
                record.error = {"ename": "Timeout", "evalue": overrun_text(record.overrun).render()}
        if not execution.usable or execution.total_timeout:
            break
    execution.seconds = time.monotonic() - started
    return execution


def _overrun(stopped: str, limits: WorkLimits, *, total: bool) -> Overrun:
    """Which limit stopped a cell, and whose time it was (worded by grader.stopped)."""
    seconds = limits.total_seconds if total else limits.cell_seconds
    return Overrun(budget="total" if total else "cell", by=stopped, seconds=seconds, cpu_seconds=limits.cpu(seconds),
                   wall_seconds=limits.wall(seconds), threads=limits.threads)


def execute_one(client: CappedNotebookClient, cell: NotebookNode, position: int,
                watch: CpuWatch | None = None) -> CellStatus:
    """Run one cell: ok, error or timeout (raises DeadKernelError if the kernel dies, or the
    watch stopped it)."""
    client.last_reply_error = client.last_reply_detail = None
    with watch or contextlib.nullcontext():
        client.execute_cell(cell, position)
    if client.last_reply_error == TIMEOUT_ENAME or (watch is not None and watch.interrupted):
        return CellStatus.TIMEOUT
    return CellStatus.ERROR if client.last_reply_error or _error_of(cell) else CellStatus.OK


def kernel_answers(client: CappedNotebookClient, grace: float = 30) -> bool:
    """After an interrupt: does the kernel run a trivial cell again, or is the code ignoring it?"""
    probe = new_code_cell("pass")
    client.nb.cells.append(probe)
    client.timeout = int(grace)
    try:
        return execute_one(client, probe, len(client.nb.cells) - 1) == CellStatus.OK
    except DeadKernelError:
        return False
    finally:
        client.nb.cells.pop()


def _record_for(cell: NotebookNode) -> CellRecord:
    record = CellRecord(index=cell.metadata[SOURCE_INDEX], source_head=cell.source.strip()[:200])
    if cell.cell_type != "code" or not has_code(cell.source):  # a blank cell neither fails nor counts
        record.status = CellStatus.SKIPPED
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


def _fill(record: CellRecord, cell: NotebookNode, outcome: CellStatus, seconds: float,
          reply_error: dict[str, str] | None = None, cells_by_count: dict[int, int] | None = None) -> None:
    record.status = outcome
    record.seconds = round(seconds, 3)
    record.output_text = output_text(cell)[:TEXT_KEPT_PER_CELL]
    record.error_lines = _error_lines(cell, reply_error, cells_by_count or {})
    error = _error_of(cell)
    if error:
        record.error = _error_detail(error)
    elif reply_error:  # the error's output was lost or dropped; the execute reply still says what it was
        record.error = dict(reply_error)
    elif outcome == CellStatus.ERROR:
        record.error = {"ename": "KernelDied",
                        "evalue": "the kernel died while running this cell (os._exit, a crash or memory)"}


def _error_lines(cell: NotebookNode, reply_error: dict[str, str] | None,
                 cells_by_count: dict[int, int]) -> list[CellLine]:
    """The student-cell lines of the cell's error (grader.harness.frames), read from its whole
    traceback before any cap; for a cell the grader interrupted, where it was when stopped."""
    tracebacks = [out.get("traceback") or [] for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    if reply_error:
        tracebacks.append(reply_error.get("traceback", ""))
    return next((lines for traceback in tracebacks if (lines := student_lines(traceback, cells_by_count))), [])


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

