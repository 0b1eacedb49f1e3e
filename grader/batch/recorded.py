"""Grading a class into the gradebook: record every submission, skip what is already graded,
run the rest on an executor, and store each grade the moment it is scored.

Nothing finished is ever lost: a grade is committed before the next one is awaited, so an
interrupted run resumes where it stopped and ends with the same gradebook as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader.batch.progress import Progress
from grader.course import LoadedAssignment
from grader.gradebook.store import Gradebook, StoredSubmission
from grader.intake.collect import Intake, folder_name
from grader.pipeline import (
    Graded,
    GradingOptions,
    Planned,
    Rejected,
    conclude,
    conclude_rejected,
    plan_submission,
    rescore,
)
from grader.results import GradeResult, Status
from grader.sandbox import SandboxRequest


class Executor(Protocol):
    workers: int
    running: set[str]
    waited: dict[str, float]   # seconds each submission waited for a worker: queue time, not runtime

    def submit(self, key: str, request: SandboxRequest) -> None: ...
    def finished(self): ...  # noqa: ANN201 - Iterator[tuple[str, SandboxResult] | None]
    def close(self) -> None: ...


@dataclass
class BatchOutcome:
    """What a run did: every current result (graded now or earlier) and how each was obtained."""

    results: dict[str, GradeResult] = field(default_factory=dict)   # by results folder
    graded: int = 0
    skipped: int = 0
    rescored: int = 0


def record_intake(book: Gradebook, assignment: LoadedAssignment, intake: Intake) -> list[StoredSubmission]:
    """Every file found becomes a stored submission (older attempts too, so attempts count);
    returns each student's current one."""
    for item in [*intake.older, *intake.submissions]:
        book.add_submission(assignment.id, item.student, folder_name(item.student), item.sha256, item.data or b"",
                            source=item.source, submitted_at=item.submitted_at, problem=item.problem)
    return book.latest_submissions(assignment.id)


def grade_recorded_submissions(book: Gradebook, assignment: LoadedAssignment, submissions: list[StoredSubmission],
                               *, executor: Executor, out: Path, grading: GradingOptions, regrade: bool = False,
                               rescore: bool = False, progress: Progress | None = None) -> BatchOutcome:
    """Grade each submission not yet graded under this rubric version (all with `regrade`).
    With `rescore`, a stored result under an older rubric is re-scored from its observations
    when the new rubric asks the sandbox nothing new; only the others run again."""
    outcome = BatchOutcome()
    version = assignment.rubric.version
    waiting: dict[str, tuple[StoredSubmission, Planned, GradingOptions]] = {}
    try:
        for stored in submissions:
            folder = stored.folder
            if not regrade and (already := book.stored_result(stored.id, version)) is not None:
                outcome.results[folder] = already.result
                outcome.skipped += 1
                _finished(progress, outcome.results[folder], skipped=True)
                continue
            if rescore and (graded := _rescored(book, assignment, stored, out, grading)) is not None:
                _store(book, stored, graded, outcome)
                outcome.rescored += 1
                _finished(progress, graded.result)
                continue
            notebook = _materialise(book, stored, out)
            options = _into(grading, out, stored)
            if rescore:  # a regrade keeps the instructor's --object names of the earlier grade
                options = dataclasses.replace(options, objects=_earlier_objects(book, stored))
            planned = plan_submission(assignment, notebook, options, submission_id=folder, refused=stored.problem)
            if isinstance(planned, Rejected):
                _store(book, stored, conclude_rejected(planned, options), outcome)
                _finished(progress, outcome.results[folder])
                continue
            waiting[folder] = (stored, planned, options)
            executor.submit(folder, planned.request)
        for event in executor.finished():
            if progress:
                progress.tick(len(executor.running))
            if event is None:
                continue
            folder, sandboxed = event
            stored, planned, options = waiting.pop(folder)
            graded = conclude(planned, sandboxed, options, queued=executor.waited.pop(folder, 0.0))
            _store(book, stored, graded, outcome)
            _finished(progress, graded.result)
    finally:
        executor.close()
    return outcome


def _finished(progress: Progress | None, result: GradeResult, *, skipped: bool = False) -> None:
    if progress is None:
        return
    ok = result.status is Status.GRADED
    how = "stored" if skipped else result.status.value
    progress.finished(f"{result.submission_id}: {how} {result.score:g}/{result.max_score:g}", ok=ok,
                      seconds=result.timings.get("total", 0.0), skipped=skipped)


def _store(book: Gradebook, stored: StoredSubmission, graded: Graded, outcome: BatchOutcome) -> None:
    book.record_result(stored.id, graded.result, observations=graded.observations, probes=graded.probes)
    outcome.results[stored.folder] = graded.result
    outcome.graded += 1


def _into(grading: GradingOptions, out: Path, stored: StoredSubmission) -> GradingOptions:
    """The run's options for one submission: its results folder, and the time the LMS export gave
    (the assignment's late: rule applies to it)."""
    return dataclasses.replace(grading, out_dir=out / stored.folder, submitted_at=stored.submitted_at)


def _earlier_objects(book: Gradebook, stored: StoredSubmission) -> dict[str, str]:
    previous = book.stored_result(stored.id)
    return dict(previous.result.objects) if previous is not None else {}


def _materialise(book: Gradebook, stored: StoredSubmission, out: Path) -> Path:
    """The submission's bytes as a file beside its results (the sandbox copies it from there);
    a refused submission leaves an empty file, so its folder still shows what was received."""
    path = out / stored.folder / "submission.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(book.submission_bytes(stored.id))
    return path


def _rescored(book: Gradebook, assignment: LoadedAssignment, stored: StoredSubmission, out: Path,
              grading: GradingOptions) -> Graded | None:
    """Score stored observations against the current rubric, or None when it needs a new run:
    no stored observations, or a probe the earlier run was not asked for."""
    previous = book.stored_result(stored.id)
    if previous is None or previous.observations is None or previous.probes is None:
        return None
    return rescore(assignment, previous.observations, previous.probes, previous.result,
                   _into(grading, out, stored), submission_id=stored.folder,
                   notebook=_materialise(book, stored, out))
