"""Scoring: a pure function of (rubric checks, observations, host-only data) -> GradeResult.
No I/O happens here, so every rule about points, visibility and messages is testable alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

from grader.breaks import KnownBreaks
from grader.checks import KINDS, Evidence, Outcome
from grader.checks.base import HostData, not_run
from grader.checks.namespace import Namespace
from grader.checks.triage import Triage, triage
from grader.contract import CellRecord, RunStatus
from grader.failing_line import excerpts
from grader.i18n import N_, Message, neutral
from grader.injection import overwritten_parameters
from grader.observations import Observations
from grader.results import CheckResult, CheckStatus, GradeResult, Status
from grader.spec.assignment import Assignment
from grader.spec.rubric import Check, Rubric
from grader.stopped import overrun_text
from grader.student_notebook import StudentNotebook, place_of
from grader.text import cap, readable

_STATUS = {RunStatus.COMPLETED: Status.GRADED, RunStatus.TIMEOUT: Status.TIMEOUT, RunStatus.CRASHED: Status.CRASHED,
           RunStatus.UNGRADABLE: Status.UNGRADABLE, RunStatus.ERROR: Status.ERROR}


def score(*, submission_id: str, assignment: Assignment, rubric: Rubric, checks: Sequence[Check],
          params: Mapping[str, Any], observations: Observations | None, host: HostData = HostData(),
          breaks: KnownBreaks = KnownBreaks(),  # the hints beside failed cells (grader/breaks.py)
          failure: tuple[Status, Message] | None = None, renamed: Mapping[str, str] | None = None,
          notebook: StudentNotebook | None = None) -> GradeResult:
    """Grade one submission. `failure` is set when no observations came back (the sandbox was
    killed or broke); then every check fails with that reason. `renamed`: the instructor's
    per-student names (grader grade --object), which the probes were planned with. `notebook`:
    the submitted notebook as the host read it, which feedback quotes and names cells by.
    A notebook that ran but does not fit what the checks look up needs review (checks/triage.py)."""
    if observations is None or observations.status in (RunStatus.UNGRADABLE, RunStatus.ERROR):
        if failure is not None:
            status, reason = failure
        elif observations is not None:
            status, reason = _STATUS[observations.status], observations.why or ""
        else:
            raise ValueError("score() needs observations or a failure")
        results = [_unscored(check, reason) for check in checks]
        return _assemble(submission_id, assignment, rubric, status, results, reason, observations, breaks, notebook)
    names = Namespace.of(observations)
    evidence = Evidence(observations=observations, assignment=assignment, host=host, names=names, notebook=notebook)
    sorted_out = (triage(checks, params, assignment, observations, names, renamed)
                  if observations.status == RunStatus.COMPLETED else Triage())
    results = [_unlooked(check, evidence) if _never_probed(check, params[check.id], evidence)
               else _unscored(check, sorted_out.not_run[check.id]) if check.id in sorted_out.not_run
               else _judge(check, params[check.id], evidence) for check in checks]
    status = Status.NEEDS_REVIEW if sorted_out.review else _STATUS[observations.status]
    return _assemble(submission_id, assignment, rubric, status, results, sorted_out.review or observations.why,
                     observations, breaks, notebook)


def _never_probed(check: Check, params: Any, evidence: Evidence) -> bool:
    """A check whose probes never ran because the notebook stopped early (crash, timeout)."""
    if evidence.observations.status == RunStatus.COMPLETED:
        return False
    wanted = [p.id for p in KINDS[check.kind].probes(check, params, evidence.assignment)]
    return bool(wanted) and not any(p in evidence.observations.probes for p in wanted)


def _judge(check: Check, params: Any, evidence: Evidence) -> CheckResult:
    try:
        outcome = KINDS[check.kind].evaluate(check, params, evidence)
    except Exception as exc:  # a malformed observation must cost one check, never the whole grade
        outcome = Outcome.failed(N_("the grader could not evaluate this check ({error})",
                                    error=type(exc).__name__ + ": " + str(exc)))
    return to_result(check, outcome)


def to_result(check: Check, outcome: Outcome) -> CheckResult:
    if outcome.fraction is None:
        status, points = CheckStatus.PENDING, 0.0
    else:
        fraction = min(1.0, max(0.0, outcome.fraction))
        points = round(check.points * fraction, 4)
        status = CheckStatus.PASSED if fraction >= 1 else CheckStatus.PARTIAL if fraction > 0 else CheckStatus.FAILED
    # the rubric's own words only for an answer the check looked at (not for code that never ran)
    custom = (check.messages.passed if status is CheckStatus.PASSED else check.messages.failed) if outcome.looked \
        else None
    details = dict(outcome.details)
    if custom:
        details["explanation"] = outcome.message
    return _check_result(check, points=points, status=status, message=custom or outcome.message,
                         expected=outcome.expected, observed=outcome.observed, cell=outcome.cell, details=details)


def _check_result(check: Check, *, points: float, status: CheckStatus, message: Message,
                  expected: Message | None = None, observed: Message | None = None, cell: int | None = None,
                  details: dict[str, Any] | None = None) -> CheckResult:
    """The result with its texts in English (the rubric's default language) and, in `texts`, what
    they were rendered from, so a page in another language renders them again (grader/i18n)."""
    english, texts = neutral({"title": check.title, "message": message, "expected": expected, "observed": observed,
                              "details": details or {}})
    return CheckResult(id=check.id, kind=check.kind, visibility=check.visibility, points=points,
                       max_points=check.points, status=status, cell=cell, texts=texts, **english)


def _unlooked(check: Check, evidence: Evidence) -> CheckResult:
    """A check whose probes never ran: not run because of the cell that ended the run."""
    if check.kind == "manual":
        return _unscored(check, "")
    return to_result(check, Outcome.failed(not_run(evidence), looked=False))


def _unscored(check: Check, reason: Message) -> CheckResult:
    if check.kind == "manual":
        return to_result(check, Outcome(None, N_("graded by the instructor; points pending")))
    return _check_result(check, points=0.0, status=CheckStatus.FAILED,
                         message=N_("not checked: {reason}", reason=reason))


def _assemble(submission_id: str, assignment: Assignment, rubric: Rubric, status: Status,
              results: list[CheckResult], reason: Message | None, observations: Observations | None,
              breaks: KnownBreaks, notebook: StudentNotebook | None) -> GradeResult:
    cells = []
    if observations is not None:  # each with where it is and the lines it failed at (grader/failing_line.py)
        cells = [{"number": c.number, "status": c.status.value, "source_head": c.source_head,
                  "place": asdict(place_of(notebook, c.index)),
                  "excerpts": [asdict(excerpt) for excerpt in excerpts(c, notebook)],
                  "error": _cell_error(c), "hint": {"id": hint.id, "text": hint.message} if hint else None}
                 for c, hint in breaks.noted_cells(observations.execution.code_cells)]
    notes = overwritten_parameters(assignment.parameters, observations) if observations else []
    english, texts = neutral({"message": _readable(reason) if reason else None, "notes": notes, "cells": cells})
    return GradeResult(
        submission_id=submission_id, assignment=assignment.id, rubric_version=rubric.version, status=status,
        score=round(sum(r.points for r in results), 4), max_score=sum(r.max_points for r in results),
        pass_mark=rubric.pass_mark, checks=[_readable_check(_placed(r, notebook)) for r in results],
        environment=dict(observations.environment) if observations else {}, texts=texts, **english)


# Every text a person reads passes here on its way into the result, so kernel text (tracebacks,
# exception messages, names) reaches grade.json, the pages and the exports without escape codes or
# pasted arrays, and bounded (grader.text).
MESSAGE_LIMIT = 4000


def _placed(result: CheckResult, notebook: StudentNotebook | None) -> CheckResult:
    """A check that points at a cell says where it is as Jupyter shows it, as the failed cells do."""
    if result.cell is None or notebook is None:
        return result
    return replace(result, place=asdict(place_of(notebook, result.cell - 1)))


def _readable_check(result: CheckResult) -> CheckResult:
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return readable(value, MESSAGE_LIMIT)
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return replace(result, message=clean(result.message), expected=clean(result.expected),
                   observed=clean(result.observed), details=clean(result.details),
                   texts={path: text.map_strings(clean) for path, text in result.texts.items()})


def _readable(message: Message) -> Message:
    clean = lambda text: readable(text, MESSAGE_LIMIT)  # noqa: E731 - one use, here
    return clean(message) if isinstance(message, str) else message.map_strings(clean)


def _cell_error(cell: CellRecord) -> dict[str, Message] | None:
    """A failed cell's error as the page shows it; a cell the grader stopped says which limit in
    the page's language (grader/stopped.py), not the harness's English."""
    readable_error = _readable_error(cell.error)
    if readable_error is None:
        return None
    error: dict[str, Message] = dict(readable_error)
    if cell.overrun is not None:
        error["evalue"] = overrun_text(cell.overrun)
    return error


def _readable_error(error: dict[str, str] | None) -> dict[str, str] | None:
    if error is None:
        return None
    cleaned = {key: readable(str(value)) for key, value in error.items()}
    for key, limit in (("ename", 200), ("evalue", 2000)):
        if key in cleaned:
            cleaned[key] = cap(cleaned[key], limit)
    if "traceback" in cleaned:
        cleaned["traceback"] = cleaned["traceback"][-4000:]  # its end says what failed
    return cleaned


def with_manual_points(result: GradeResult, entered: Mapping[str, tuple[float, str]]) -> GradeResult:
    """`result` with the instructor's points ({check id: (points, comment)}) in its manual
    checks; points are clamped to the check's maximum. Other checks are never touched."""
    checks = []
    for check in result.checks:
        if check.kind == "manual" and check.id in entered:
            points, comment = entered[check.id]
            points = round(min(max(points, 0.0), check.max_points), 4)
            status = (CheckStatus.PASSED if points >= check.max_points else
                      CheckStatus.PARTIAL if points > 0 else CheckStatus.FAILED)
            message = comment or N_("{points:g} of {max_points:g} points from the instructor", points=points,
                                    max_points=check.max_points)
            english, texts = neutral({"message": message})
            check = replace(check, points=points, status=status, message=english["message"],
                            texts={**{k: v for k, v in check.texts.items() if k != "message"}, **texts})
        checks.append(check)
    return replace(result, checks=checks, score=round(sum(c.points for c in checks), 4))
