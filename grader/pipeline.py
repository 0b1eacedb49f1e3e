"""Grading one notebook end to end: plan, sandbox, score, write results. The one place that
joins the pieces; each piece stays ignorant of the others."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from grader.evaluation import evaluation_data
from grader.harness.job import HarnessJob
from grader.harness.notebook import Ungradable, load_submission
from grader.observations import Observations
from grader.plan import plan_probes
from grader.report.feedback import render_feedback
from grader.results import GradeResult, Status, write_atomically
from grader.sandbox import Sandbox, SandboxRequest, SandboxResult
from grader.scoring import score
from grader.spec.course import LoadedAssignment


@dataclass(frozen=True)
class GradingRun:
    """How to grade: which sandbox, which checks, where results go."""

    sandbox: Sandbox
    public_only: bool = False
    out_dir: Path | None = None
    data_cache: Path | None = None


def grade_notebook(assignment: LoadedAssignment, notebook: Path, run: GradingRun, *,
                   submission_id: str | None = None) -> GradeResult:
    """Grade one notebook; always returns a result, and writes it if run.out_dir is set."""
    started = time.monotonic()
    submission_id = submission_id or notebook.stem
    checks = assignment.checks(public_only=run.public_only)
    common = dict(submission_id=submission_id, assignment=assignment.spec, rubric=assignment.rubric,
                  checks=checks, params=assignment.params)
    sandboxed: SandboxResult | None = None
    try:
        load_submission(notebook)  # cheap host-side screen: garbage never costs a sandbox start
    except Ungradable as exc:
        result = score(**common, observations=None, labels={}, failure=(Status.UNGRADABLE, str(exc)))
    else:
        plan = plan_probes(checks, assignment.params, assignment.spec)
        files, labels = evaluation_data(assignment.spec, plan.splits, run.data_cache)
        sandboxed = run.sandbox.run(_request(assignment, notebook, plan.probes, files))
        observations, failure = interpret(sandboxed)
        scoring_started = time.monotonic()
        result = score(**common, observations=observations, labels=labels, failure=failure)
        result.timings["scoring"] = round(time.monotonic() - scoring_started, 4)
        result.timings["sandbox"] = round(sandboxed.seconds, 3)
        if observations is not None:
            result.timings["execution"] = observations.execution.seconds
        result.notes += sandboxed.notes
    result.timings["total"] = round(time.monotonic() - started, 3)
    result.sha256 = _sha256(notebook)
    if run.out_dir is not None:
        write_outputs(run.out_dir, result, assignment, sandboxed, public_view=run.public_only)
    return result


def _request(assignment: LoadedAssignment, notebook: Path, probes: list[dict], files: dict[str, bytes]) -> SandboxRequest:
    spec = assignment.spec
    job = HarnessJob(
        assignment=spec.id, parameters=dict(spec.parameters), threads=max(1, int(spec.resources.cpus)),
        cell_timeout=spec.limits.cell_timeout, total_timeout=spec.limits.total_timeout,
        probe_timeout=spec.limits.probe_timeout, output_cap=spec.resources.output, probes=probes,
        eval_inputs=sorted(files))
    return SandboxRequest(job=job, notebook=notebook, resources=spec.resources, files=files,
                          datasets=list(spec.datasets))


def interpret(sandboxed: SandboxResult) -> tuple[Observations | None, tuple[Status, str] | None]:
    """Observations if usable, else the status and reason that explain their absence."""
    if sandboxed.observations is None:
        if sandboxed.timed_out:
            return None, (Status.TIMEOUT, sandboxed.killed or "the notebook ran out of time")
        why = sandboxed.killed or "the sandbox ended without reporting"
        return None, (Status.CRASHED, f"{why}; last output: {sandboxed.log_tail[-300:].strip() or 'none'}")
    try:
        return Observations.parse(sandboxed.observations), None
    except ValueError as exc:
        return None, (Status.ERROR, str(exc))


def write_outputs(out_dir: Path, result: GradeResult, assignment: LoadedAssignment,
                  sandboxed: SandboxResult | None, *, public_view: bool) -> None:
    """grade.json, feedback.html and the executed notebook, each written atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result.write(out_dir / "grade.json")
    write_atomically(out_dir / "feedback.html", render_feedback(result, assignment.spec, student_view=public_view))
    if sandboxed is not None and sandboxed.executed_notebook is not None:
        tmp = out_dir / ".executed.ipynb.tmp"
        tmp.write_bytes(sandboxed.executed_notebook)
        tmp.replace(out_dir / "executed.ipynb")


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"
