"""One `grader grade` run over a class: intake, gradebook, executor and progress, joined.

The CLI parses options into `ClassOptions`; everything else happens here so the command stays thin
and the same run can be driven from Python (tests, notebooks, a scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.batch.executors import GpuSlots, RayExecutor, ThreadExecutor
from grader.batch.progress import Progress
from grader.batch.recorded import BatchOutcome, grade_recorded_submissions, record_intake
from grader.course import LoadedAssignment
from grader.errors import ExitCode, UsageError
from grader.gradebook.store import Gradebook
from grader.intake.collect import Intake, take_in
from grader.intake.roster import load_roster
from grader.pipeline import GradingOptions
from grader.results import Status, batch_exit_code
from grader.sandbox import DEFAULT_SANDBOX, Sandbox, get_sandbox


@dataclass
class ClassOptions:
    assignment: LoadedAssignment
    paths: list[Path]
    out: Path
    gradebook: Path
    roster: Path | None = None
    sandbox: str = DEFAULT_SANDBOX
    sandbox_options: dict[str, Any] = field(default_factory=dict)
    workers: int = 1
    gpu_devices: list[str] = field(default_factory=list)
    gpu_share: int = 1
    executor: str = "local"
    address: str | None = None
    regrade: bool = False
    show_progress: bool = True
    lang: str = "en"
    objects: dict[str, str] = field(default_factory=dict)  # --object: name looked up -> the notebook's


@dataclass
class ClassSummary:
    outcome: BatchOutcome
    intake: Intake

    @property
    def exit_code(self) -> ExitCode:
        return batch_exit_code(list(self.outcome.results.values()))

    @property
    def needs_review(self) -> list[str]:
        """The results folders whose grade needs review by hand (status needs-review)."""
        return sorted(folder for folder, r in self.outcome.results.items() if r.status is Status.NEEDS_REVIEW)

    def to_dict(self) -> dict[str, Any]:
        results = self.outcome.results
        statuses: dict[str, int] = {}
        for result in results.values():
            statuses[result.status.value] = statuses.get(result.status.value, 0) + 1
        return {
            "submissions": len(results), "graded": self.outcome.graded - self.outcome.rescored,
            "rescored": self.outcome.rescored, "skipped": self.outcome.skipped, "statuses": statuses,
            "passed": sum(r.passed for r in results.values()), "exit_code": int(self.exit_code),
            "needs_review": self.needs_review,
            "results": [{"submission_id": folder, "status": r.status.value, "score": r.score, "max_score": r.max_score,
                         "passed": r.passed} for folder, r in sorted(results.items())],
            "older_attempts": len(self.intake.older),
            "refused": [{"source": source, "reason": reason} for source, reason in self.intake.refused],
            "missing": [{"id": s.id, "name": s.name} for s in self.intake.missing],
        }


def grade_class_from_paths(options: ClassOptions) -> ClassSummary:
    roster = load_roster(options.roster) if options.roster else None
    intake = take_in(options.paths, roster)
    if not intake.submissions and not intake.refused:
        raise UsageError("no submissions found in " + ", ".join(map(str, options.paths)))
    grading = GradingOptions(sandbox=get_sandbox(options.sandbox, **options.sandbox_options), lang=options.lang,
                             objects=options.objects)
    executor = _executor(options, grading.sandbox)
    with Gradebook.open(options.gradebook) as book:
        submissions = record_intake(book, options.assignment, intake)
        current = {item.student.id for item in intake.submissions}
        submissions = [s for s in submissions if s.student.id in current]
        progress = Progress(len(submissions), executor.workers) if options.show_progress else None
        outcome = grade_recorded_submissions(book, options.assignment, submissions, executor=executor,
                                             out=options.out, grading=grading,
                                             regrade=options.regrade or bool(options.objects),
                                             progress=progress)
        if progress:
            progress.close()
    return ClassSummary(outcome=outcome, intake=intake)


def regrade_class(assignment: LoadedAssignment, gradebook: Path, out: Path, *, sandbox: str = DEFAULT_SANDBOX,
                  sandbox_options: dict[str, Any] | None = None, workers: int = 1,
                  show_progress: bool = True) -> BatchOutcome:
    """After a rubric change: every current submission graded under the new rubric version,
    re-scored from stored observations where the new rubric asks nothing new, re-run otherwise."""
    options = ClassOptions(assignment=assignment, paths=[], out=out, gradebook=gradebook, sandbox=sandbox,
                           sandbox_options=sandbox_options or {}, workers=workers)
    grading = GradingOptions(sandbox=get_sandbox(sandbox, **options.sandbox_options))
    executor = _executor(options, grading.sandbox)
    with Gradebook.open(gradebook) as book:
        submissions = book.latest_submissions(assignment.id)
        if not submissions:
            raise UsageError(f"{gradebook} holds no submissions for {assignment.id}")
        progress = Progress(len(submissions), executor.workers) if show_progress else None
        outcome = grade_recorded_submissions(book, assignment, submissions, executor=executor, out=out, grading=grading,
                                             rescore=True, progress=progress)
        if progress:
            progress.close()
    return outcome


def _executor(options: ClassOptions, sandbox: Sandbox) -> ThreadExecutor | RayExecutor:
    if options.workers < 1:
        raise UsageError("--workers must be at least 1")
    if options.executor == "ray":
        if not options.address:
            raise UsageError("--executor ray needs --address (e.g. ray://head:10001 or auto)")
        return RayExecutor(options.address, options.sandbox, options.sandbox_options)
    if options.executor != "local":
        raise UsageError(f"unknown executor {options.executor!r}; use local or ray")
    slots = GpuSlots(options.gpu_devices, options.gpu_share) if options.gpu_devices else None
    if slots and options.sandbox != "docker":
        raise UsageError("GPU slots need --sandbox docker (the namespaces sandbox cannot pin a GPU)")
    return ThreadExecutor(sandbox, options.workers, slots)
