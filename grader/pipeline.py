"""Grading one notebook end to end: plan, sandbox, score, write results. The one place that
joins the pieces; each piece stays ignorant of the others."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.checks.base import HostData
from grader.contract import ProbeRequest
from grader.course import LoadedAssignment
from grader.evaluation import host_data
from grader.harness.job import HarnessJob
from grader.harness.notebook import Ungradable, load_submission
from grader.observations import Observations
from grader.plan import plan_probes
from grader.report.feedback import render_feedback
from grader.results import GradeResult, Status, write_atomically
from grader.sandbox import Sandbox, SandboxRequest, SandboxResult
from grader.scoring import score


@dataclass(frozen=True)
class GradingOptions:
    """How to grade: which sandbox, which checks, where results go."""

    sandbox: Sandbox
    public_only: bool = False
    out_dir: Path | None = None
    data_cache: Path | None = None
    lang: str = "en"                 # language of feedback.html


@dataclass
class Prepared:
    """A submission ready for a sandbox: the request, and what stays on the host to score it."""

    assignment: LoadedAssignment
    notebook: Path
    submission_id: str
    checks: list
    request: SandboxRequest | None      # None: ungradable before any sandbox (see `failure`)
    probes: list[ProbeRequest]
    failure: tuple[Status, str] | None
    started: float
    host: HostData = field(default_factory=HostData)  # labels, statistics, judges: never sent


@dataclass
class Graded:
    """A finished grade and the raw observations it was scored from (kept for re-scoring)."""

    result: GradeResult
    observations: str | None
    probes: list[ProbeRequest]


def grade_notebook(assignment: LoadedAssignment, notebook: Path, run: GradingOptions, *,
                   submission_id: str | None = None) -> GradeResult:
    """Grade one notebook; always returns a result, and writes it if run.out_dir is set."""
    return grade_notebook_with_observations(assignment, notebook, run, submission_id=submission_id).result


def grade_notebook_with_observations(assignment: LoadedAssignment, notebook: Path, run: GradingOptions, *,
                                     submission_id: str | None = None) -> Graded:
    """Grade one notebook; the result with the raw observations it was scored from and the probes
    asked (what the gradebook stores for re-scoring)."""
    prepared = prepare(assignment, notebook, run, submission_id=submission_id)
    sandboxed = run.sandbox.run(prepared.request) if prepared.request is not None else None
    return conclude(prepared, sandboxed, run)


def prepare(assignment: LoadedAssignment, notebook: Path, run: GradingOptions, *,
            submission_id: str | None = None, refused: str | None = None) -> Prepared:
    """Screen the file and plan the probes; the part that runs on the host before a sandbox.
    `refused` is why intake could not take the file at all (it is then ungradable)."""
    started = time.monotonic()
    checks = assignment.checks(public_only=run.public_only)
    prepared = Prepared(assignment=assignment, notebook=notebook, submission_id=submission_id or notebook.stem,
                        checks=checks, request=None, probes=[], failure=None, started=started)
    if refused:
        prepared.failure = (Status.UNGRADABLE, refused)
        return prepared
    try:
        load_submission(notebook)  # cheap host-side screen: garbage never costs a sandbox start
    except Ungradable as exc:
        prepared.failure = (Status.UNGRADABLE, str(exc))
        return prepared
    plan = plan_probes(checks, assignment.params, assignment.spec)
    files, prepared.host = host_data(assignment.spec, plan, run.data_cache)
    prepared.probes = plan.probes
    prepared.request = _request(assignment, notebook, plan.probes, files)
    return prepared


def conclude(prepared: Prepared, sandboxed: SandboxResult | None, run: GradingOptions) -> Graded:
    """Score what the sandbox saw and write the results; `sandboxed` is None for a file that
    never reached a sandbox."""
    observations_text = sandboxed.observations if sandboxed is not None else None
    if sandboxed is None:
        result = _score(prepared, None, prepared.failure)
    else:
        observations, failure = interpret(sandboxed)
        scoring_started = time.monotonic()
        result = _score(prepared, observations, failure)
        result.timings["scoring"] = round(time.monotonic() - scoring_started, 4)
        result.timings["sandbox"] = round(sandboxed.seconds, 3)
        if observations is not None:
            result.timings["execution"] = observations.execution.seconds
        result.notes += sandboxed.notes
        result.peak_memory_mb = sandboxed.peak_memory_mb
        result.seed = prepared.request.job.seed if prepared.request is not None else None
    result.timings["total"] = round(time.monotonic() - prepared.started, 3)
    result.sha256 = _sha256(prepared.notebook)
    if run.out_dir is not None:
        write_outputs(run.out_dir, result, prepared.assignment, sandboxed, public_view=run.public_only, lang=run.lang)
    return Graded(result=result, observations=observations_text, probes=prepared.probes)


def _score(prepared: Prepared, observations: Observations | None, failure: tuple[Status, str] | None) -> GradeResult:
    assignment = prepared.assignment
    return score(submission_id=prepared.submission_id, assignment=assignment.spec, rubric=assignment.rubric,
                 checks=prepared.checks, params=assignment.params, observations=observations,
                 host=prepared.host, failure=failure)


def _request(assignment: LoadedAssignment, notebook: Path, probes: list[ProbeRequest],
             files: dict[str, bytes]) -> SandboxRequest:
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
    if sandboxed.failed:
        return None, (Status.ERROR, sandboxed.failed)
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
                  sandboxed: SandboxResult | None, *, public_view: bool, lang: str = "en") -> None:
    """grade.json, feedback.html and the executed notebook, each written atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result.write(out_dir / "grade.json")
    write_atomically(out_dir / "feedback.html",
                     render_feedback(result, assignment.spec, student_view=public_view, lang=lang))
    if sandboxed is not None and sandboxed.executed_notebook is not None:
        tmp = out_dir / ".executed.ipynb.tmp"
        tmp.write_bytes(sandboxed.executed_notebook)
        tmp.replace(out_dir / "executed.ipynb")


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"
