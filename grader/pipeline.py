"""Grading one notebook end to end: plan, sandbox, score, write results. The one place that
joins the pieces; each piece stays ignorant of the others."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.breaks import KnownBreaks, break_context, break_table
from grader.checks.base import HostData
from grader.checks.namespace import NAMES_PROBE
from grader.contract import ProbeRequest
from grader.course import LoadedAssignment
from grader.datasets import default_cache_dir
from grader.datasets.declared import sandbox_copies
from grader.evaluation import host_data
from grader.harness.job import HarnessJob
from grader.harness.notebook import Ungradable, load_submission
from grader.harness.progress import ProgressSink
from grader.i18n import N_, Message
from grader.intake.starters import another_labs_starter
from grader.late import penalised
from grader.observations import Observations
from grader.plan import plan_probes
from grader.report.feedback import render_feedback
from grader.results import GradeResult, Status, write_atomically
from grader.sandbox import Sandbox, SandboxRequest, SandboxResult
from grader.scoring import score
from grader.spec.rubric import Check
from grader.student_notebook import StudentNotebook


@dataclass(frozen=True)
class GradingOptions:
    """How to grade: which sandbox, which checks, where results go."""

    sandbox: Sandbox
    public_only: bool = False
    out_dir: Path | None = None
    data_cache: Path | None = None
    lang: str = "en"                 # language of feedback.html
    # the instructor's per-student names (grader grade --object): name the checks look up -> the notebook's
    objects: Mapping[str, str] = field(default_factory=dict)
    progress: ProgressSink | None = None  # hears where the sandbox's run is (grader check's display)
    submitted_at: str | None = None  # when the LMS export says it was submitted: the assignment's late: rule applies


@dataclass(frozen=True)
class Planned:
    """A submission ready for a sandbox: the request, and what stays on the host to score it."""

    assignment: LoadedAssignment
    notebook: Path
    submission_id: str
    checks: list[Check]
    started: float                   # time.monotonic() when grading it began
    request: SandboxRequest
    host: HostData                   # labels, statistics, judges: never sent
    student: StudentNotebook         # the notebook as screened: the feedback's cells and lines come from it

    @property
    def probes(self) -> list[ProbeRequest]:
        return self.request.job.probes


@dataclass(frozen=True)
class Rejected:
    """A submission that never reaches a sandbox: intake refused it, or the host's screen found it
    is no notebook this grader can run. It is graded ungradable, for `reason`."""

    assignment: LoadedAssignment
    notebook: Path
    submission_id: str
    checks: list[Check]
    started: float
    reason: Message


@dataclass
class Graded:
    """A finished grade and the raw observations it was scored from (kept for re-scoring)."""

    result: GradeResult
    observations: str | None
    probes: list[ProbeRequest]


def grade_notebook(assignment: LoadedAssignment, notebook: Path, options: GradingOptions, *,
                   submission_id: str | None = None) -> GradeResult:
    """Grade one notebook; always returns a result, and writes it if options.out_dir is set."""
    return grade_notebook_with_observations(assignment, notebook, options, submission_id=submission_id).result


def grade_notebook_with_observations(assignment: LoadedAssignment, notebook: Path, options: GradingOptions, *,
                                     submission_id: str | None = None) -> Graded:
    """Grade one notebook; the result with the raw observations it was scored from and the probes
    asked (what the gradebook stores for re-scoring)."""
    return grade_planned(plan_submission(assignment, notebook, options, submission_id=submission_id), options)


def grade_planned(planned: Planned | Rejected, options: GradingOptions) -> Graded:
    """Run a planned submission in the sandbox and conclude; a rejected one concludes without."""
    if isinstance(planned, Rejected):
        return conclude_rejected(planned, options)
    return conclude(planned, options.sandbox.run(planned.request), options)


def plan_submission(assignment: LoadedAssignment, notebook: Path, options: GradingOptions, *,
                    submission_id: str | None = None, refused: Message | None = None) -> Planned | Rejected:
    """Screen the file and plan the probes; the part that runs on the host before a sandbox.
    `refused` is why intake could not take the file at all (it is then ungradable)."""
    started = time.monotonic()
    submission_id = submission_id or notebook.stem
    checks = assignment.checks(public_only=options.public_only)
    submitted = None
    if not refused:
        try:  # cheap host-side screen: garbage, or another lab's notebook, never costs a sandbox start
            submitted = load_submission(notebook)
            refused = another_labs_starter(submitted, assignment)
        except Ungradable as exc:
            refused = exc.text
    if refused:
        return Rejected(assignment=assignment, notebook=notebook, submission_id=submission_id, checks=checks,
                        started=started, reason=refused)
    assert submitted is not None  # not refused: the screen read it
    plan = plan_probes(checks, assignment.params, assignment.spec, options.objects)
    files, host = host_data(assignment.spec, plan, options.data_cache)
    return Planned(assignment=assignment, notebook=notebook, submission_id=submission_id, checks=checks,
                   started=started, request=_request(assignment, notebook, plan.probes, files, options.progress),
                   host=host, student=StudentNotebook.of(submitted))


def conclude(planned: Planned, sandboxed: SandboxResult, options: GradingOptions, *,
             queued: float | None = None) -> Graded:
    """Score what the sandbox saw and write the results. `queued`: in a batch, the seconds it waited
    for a worker, which its runtime (timings.total) leaves out and timings.queued records."""
    observations, failure = interpret(sandboxed)
    scoring_started = time.monotonic()
    result = _score(planned.assignment, planned.submission_id, planned.checks, planned.host, observations, failure,
                    options.objects, cache=options.data_cache, notebook=planned.student)
    _record_objects(result, options.objects)
    result.timings["scoring"] = round(time.monotonic() - scoring_started, 4)
    result.timings["sandbox"] = round(sandboxed.seconds, 3)
    if observations is not None:
        result.timings["execution"] = observations.execution.seconds
    result.notes += sandboxed.notes
    result.peak_memory_mb = sandboxed.peak_memory_mb
    result.seed = planned.request.job.seed
    if queued is not None:
        result.timings["queued"] = round(queued, 3)
    return _finish(planned, result, sandboxed, options, observations=sandboxed.observations, probes=planned.probes,
                   queued=queued or 0.0)


def conclude_rejected(rejected: Rejected, options: GradingOptions) -> Graded:
    """The ungradable result of a submission that never reached a sandbox, written."""
    result = _score(rejected.assignment, rejected.submission_id, rejected.checks, HostData(), None,
                    (Status.UNGRADABLE, rejected.reason))
    return _finish(rejected, result, None, options, observations=None, probes=[])


def rescore(assignment: LoadedAssignment, observations: str, asked: list[ProbeRequest], previous: GradeResult,
            options: GradingOptions, *, submission_id: str, notebook: Path | None = None) -> Graded | None:
    """Score the observations an earlier run stored (it was asked `asked` and graded `previous`)
    against the current rubric and write the results; None when they cannot answer it, so the
    notebook must run again: the rubric asks a probe the earlier run was not asked, or the stored
    observations no longer parse. The earlier grade's --object names are kept; a run from before
    the names probe existed is re-scored without triage. `notebook`: the submission's file, which
    feedback quotes beside a failing line."""
    checks = assignment.checks(public_only=options.public_only)
    plan = plan_probes(checks, assignment.params, assignment.spec, previous.objects)
    earlier = {probe.id: probe for probe in asked}
    if any(earlier.get(probe.id) != probe for probe in plan.probes if probe.id != NAMES_PROBE.id):
        return None
    try:
        parsed = Observations.parse(observations)
    except ValueError:
        return None
    _, host = host_data(assignment.spec, plan, options.data_cache)
    result = _score(assignment, submission_id, checks, host, parsed, None, previous.objects, cache=options.data_cache,
                    notebook=StudentNotebook.read(notebook) if notebook else None)
    result.objects = dict(previous.objects)  # and previous.notes, kept below, say so
    result.timings = dict(previous.timings)
    result.notes = list(previous.notes)
    result.texts = {**{path: text for path, text in result.texts.items() if not path.startswith("notes/")},
                    **{path: text for path, text in previous.texts.items() if path.startswith("notes/")}}
    result.note(N_("re-scored from the observations of rubric v{version}", version=previous.rubric_version))
    result.sha256, result.peak_memory_mb = previous.sha256, previous.peak_memory_mb
    result.environment, result.seed = previous.environment, previous.seed
    result = penalised(result, assignment.spec.late, options.submitted_at)
    if options.out_dir is not None:
        write_outputs(options.out_dir, result, assignment, None, public_view=options.public_only, lang=options.lang)
    return Graded(result=result, observations=observations, probes=asked)


def _finish(planned: Planned | Rejected, result: GradeResult, sandboxed: SandboxResult | None,
            options: GradingOptions, *, observations: str | None, probes: list[ProbeRequest],
            queued: float = 0.0) -> Graded:
    result.timings["total"] = round(time.monotonic() - planned.started - queued, 3)
    result.sha256 = _sha256(planned.notebook)
    result = penalised(result, planned.assignment.spec.late, options.submitted_at)
    if options.out_dir is not None:
        write_outputs(options.out_dir, result, planned.assignment, sandboxed, public_view=options.public_only,
                      lang=options.lang)
    return Graded(result=result, observations=observations, probes=probes)


def _score(assignment: LoadedAssignment, submission_id: str, checks: list[Check], host: HostData,
           observations: Observations | None, failure: tuple[Status, Message] | None,
           renamed: Mapping[str, str] | None = None, cache: Path | None = None,
           notebook: StudentNotebook | None = None) -> GradeResult:
    return score(submission_id=submission_id, assignment=assignment.spec, rubric=assignment.rubric, checks=checks,
                 params=assignment.params, observations=observations, host=host, failure=failure, renamed=renamed,
                 breaks=_known_breaks(assignment, observations, cache), notebook=notebook)


def _record_objects(result: GradeResult, objects: Mapping[str, str]) -> None:
    """The instructor's --object names in the grade, so that it explains itself."""
    result.objects = dict(objects)
    if objects:
        pairs = [N_("`{expected}` as `{theirs}`", expected=expected, theirs=theirs)
                 for expected, theirs in objects.items()]
        result.note(N_("instructor's override (--object): the checks read {pairs}", pairs=pairs))


def _known_breaks(assignment: LoadedAssignment, observations: Observations | None, cache: Path | None) -> KnownBreaks:
    """The known breaks (the instructor's, then the built-in table) and the host's view of the
    environment the notebook ran in, for the hints beside its failed cells."""
    if observations is None:
        return KnownBreaks()
    return KnownBreaks(break_table(assignment.breaks),
                       break_context(assignment.spec, cache or default_cache_dir(), observations.environment))


def _request(assignment: LoadedAssignment, notebook: Path, probes: list[ProbeRequest],
             files: dict[str, bytes], progress: ProgressSink | None = None) -> SandboxRequest:
    spec = assignment.spec
    job = HarnessJob(
        assignment=spec.id, parameters=dict(spec.parameters), threads=max(1, int(spec.resources.cpus)),
        cell_timeout=spec.limits.cell_timeout, total_timeout=spec.limits.total_timeout,
        probe_timeout=spec.limits.probe_timeout, output_cap=spec.resources.output, probes=probes,
        eval_inputs=sorted(files))
    return SandboxRequest(job=job, notebook=notebook, resources=spec.resources,
                          files={**files, **sandbox_copies(spec.own_datasets)}, datasets=list(spec.datasets),
                          progress=progress)


def interpret(sandboxed: SandboxResult) -> tuple[Observations | None, tuple[Status, Message] | None]:
    """Observations if usable, else the status and reason that explain their absence."""
    if sandboxed.failed:
        return None, (Status.ERROR, sandboxed.failed)
    if sandboxed.observations is None:
        if sandboxed.timed_out:
            return None, (Status.TIMEOUT, sandboxed.killed or N_("the notebook ran out of time"))
        why = sandboxed.killed or N_("the sandbox ended without reporting")
        return None, (Status.CRASHED, N_("{why}; last output: {output}", why=why,
                                         output=sandboxed.log_tail[-300:].strip() or N_("none")))
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
