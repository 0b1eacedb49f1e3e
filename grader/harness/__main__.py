"""The harness: `python -m grader.harness JOB.json [--hold]`.

Trusted grader code: it runs as the grading user outside the kernel's confinement (in the
container as root, for docker) and starts the kernel through the job's kernel_command. Reads the
job the host wrote, runs the notebook, probes it and writes observations.json and the
executed notebook into the job's output folder. Always writes observations, whatever happens.
With --hold it starts the kernel, then waits for a line `go` on stdin before the first cell (and
before its time limit starts): the host prepares the next submission while one runs.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import nbformat

from grader import stopped
from grader.contract import CellStatus, RunStatus, to_json
from grader.harness.budget import KernelCpu, WorkLimits
from grader.harness.execute import CappedNotebookClient, ExecutionRecord, run_cells
from grader.harness.hold import GO, HOLD
from grader.harness.job import EXECUTED_FILE, HarnessJob
from grader.harness.kernel import ConfinedKernelManager, kernel_config
from grader.harness.notebook import SOURCE_INDEX, Ungradable, assignment_of, inject, load_submission, parameter_probes
from grader.harness.preamble import preamble_source
from grader.harness.probes import ENVIRONMENT_PROBE, RawResult, run_probes
from grader.harness.progress import PROGRESS_FILE, ProgressWriter
from grader.i18n import N_
from grader.i18n.text import Text
from grader.i18n.text import to_json as text_json

OBSERVATIONS_SCHEMA = 1


def run(job: HarnessJob, *, hold: bool = False) -> dict:
    """Execute and probe; return the observations document."""
    try:
        notebook = load_submission(job.path(job.notebook))
        stamped = assignment_of(notebook)
        if stamped and stamped != job.assignment:
            raise Ungradable(N_("this notebook was made from the starter of '{lab}', not '{assignment}'", lab=stamped,
                                assignment=job.assignment))
    except Ungradable as exc:
        return {"schema": OBSERVATIONS_SCHEMA, "status": RunStatus.UNGRADABLE.value, "reason": str(exc)}
    eval_inputs = job.take_eval_inputs()  # out of the kernel's reach while student code runs
    text = "\n".join(cell.source for cell in notebook.cells)
    injected = inject(notebook, parameters=job.parameters, preamble=preamble_source(
        seed=job.seed, threads=job.threads, notebook_text=text,
        dataset_manifest=job.dataset_manifest, downloads=job.downloads, dataset_root=str(job.root)))
    client = CappedNotebookClient(
        injected, kernel_name="python3", kernel_manager_class=ConfinedKernelManager, config=kernel_config(job),
        startup_timeout=60, output_cap=job.output_cap, resources={"metadata": {"path": str(job.path(job.workdir))}})
    progress = ProgressWriter(job.path(job.outdir) / PROGRESS_FILE)
    try:
        with client.setup_kernel():
            if hold and sys.stdin.buffer.readline() != GO:
                raise Cancelled
            meter = KernelCpu(_kernel_pid(client))
            limits = WorkLimits(cell_seconds=job.cell_timeout, total_seconds=job.total_timeout, threads=job.threads)
            client.on_cell_execute = _announcing(injected, progress)
            execution = run_cells(client, injected, limits=limits, meter=meter)
            probes: dict[str, RawResult] = {}
            if execution.usable:
                progress.probes()
                job.restore_eval_inputs(eval_inputs)
                asked = [ENVIRONMENT_PROBE, *parameter_probes(job.parameters), *job.kernel_probes()]
                probes = run_probes(client, asked,
                                    result_dir=job.path(job.kernel_dir),
                                    timeout_each=job.probe_timeout, threads=job.threads, meter=meter,
                                    deadline=time.monotonic() + limits.wall(job.probe_timeout))
    except Cancelled:
        return _ended(RunStatus.ERROR, stopped.cancelled())
    except Exception as exc:  # the kernel would not start: our problem, not the student's
        return _ended(RunStatus.ERROR, stopped.kernel_failed(f"{type(exc).__name__}: {exc}"))
    finally:
        progress.close()
        _save_executed(injected, job.path(job.outdir) / EXECUTED_FILE)
    environment = probes.pop(ENVIRONMENT_PROBE.id, {})
    return {
        **_ended(_status(execution), _reason(execution, job)),
        "execution": to_json(execution.reported()),
        "probes": probes,
        "environment": {k: v for k, v in environment.items() if k != "ok"} if environment.get("ok") else {},
    }


def _announcing(notebook, progress: ProgressWriter) -> Callable[..., None]:  # noqa: ANN001 - a NotebookNode
    """nbclient's on_cell_execute hook: each student cell that starts is written to the progress
    file as the n-th of the notebook's m code cells (injected cells and probes are not counted)."""
    numbers = {index: number for number, index in enumerate(sorted(
        cell.metadata[SOURCE_INDEX] for cell in notebook.cells
        if SOURCE_INDEX in cell.metadata and cell.cell_type == "code"), start=1)}

    def announce(cell, cell_index: int) -> None:  # noqa: ANN001, ARG001 - nbclient's keyword arguments
        number = numbers.get(cell.metadata.get(SOURCE_INDEX, -1))
        if number is not None:
            progress.cell(number, len(numbers))

    return announce


class Cancelled(Exception):
    """The host ended a held run without letting it go."""


def _status(execution: ExecutionRecord) -> RunStatus:
    if execution.preamble_error:
        return RunStatus.ERROR
    if execution.kernel_died:
        return RunStatus.CRASHED
    if execution.total_timeout or execution.kernel_stuck:
        return RunStatus.TIMEOUT
    return RunStatus.COMPLETED


def _reason(execution: ExecutionRecord, job: HarnessJob) -> Text | None:
    """Why the run ended early, worded by grader.stopped (the host renders it in the page's language)."""
    if execution.preamble_error:
        return stopped.setup_failed(execution.preamble_error)
    if execution.kernel_died:
        cell = next((c.index for c in execution.cells if c.error and c.error["ename"] == "KernelDied"), None)
        return stopped.kernel_died(cell + 1 if cell is not None else None)
    if execution.total_waited:
        return stopped.total_waited(WorkLimits.wall(job.total_timeout), job.total_timeout)
    if execution.total_timeout:
        return stopped.total_used(job.total_timeout, job.threads)
    if execution.kernel_stuck:
        cell = next((c.index for c in execution.cells if c.status == CellStatus.TIMEOUT), None)
        return stopped.kernel_stuck(cell + 1 if cell is not None else None)
    return None


def _ended(status: RunStatus, reason: Text | None) -> dict[str, object]:
    """The frame of observations.json: the status, and the reason in English (`reason`) and as the
    text the host renders in the page's language (`reason_text`)."""
    frame: dict[str, object] = {"schema": OBSERVATIONS_SCHEMA, "status": status.value}
    if reason is not None:
        frame.update(reason=reason.render(), reason_text=text_json(reason))
    return frame


def _kernel_pid(client: CappedNotebookClient) -> int:
    """The launched kernel process, which setup_kernel() started through jupyter_client's local provisioner."""
    pid = getattr(client.km.provisioner if client.km is not None else None, "pid", None)
    if pid is None:
        raise RuntimeError("the kernel has no local process")
    return pid


def _save_executed(notebook, path: Path) -> None:  # noqa: ANN001 - a NotebookNode
    tmp = path.with_suffix(".tmp")
    try:
        nbformat.write(notebook, str(tmp))
        os.replace(tmp, path)
    except Exception:
        traceback.print_exc()


def main(argv: list[str]) -> int:
    job = HarnessJob.read(Path(argv[1]))
    try:
        observations = run(job, hold=HOLD in argv[2:])
    except Exception as exc:
        traceback.print_exc()
        observations = {"schema": OBSERVATIONS_SCHEMA, "status": RunStatus.ERROR.value,
                        "reason": f"internal grader error in the harness: {type(exc).__name__}: {exc}"}
    job.write_observations(observations)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
