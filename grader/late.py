"""Late-submission penalties (docs/formats.md, late): a pure function of the score, the
submission time the LMS export gave and the assignment's `late:` rule.

Lateness is measured from the deadline. A submission at most `grace` after it is on time; past
that, every day begun counts as a whole day (1.5 days late is 2 days), the nbgrader-style
per-unit penalty rounded up rather than prorated, so a student reads a whole number of days. The
deduction is `per_day` x days of the score earned, at most `cap` of it: a late submission keeps
that share of whatever it earns, manual points entered later included, and never goes below 0.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from grader.results import GradeResult, LatePenalty, Status
from grader.spec.assignment import Late

DAY = timedelta(days=1)
NOT_PENALISED = (Status.UNGRADABLE, Status.ERROR)  # nothing earned, or our side failed


def submission_time(text: str | None, rule: Late) -> datetime | None:
    """The submission time as an aware datetime; a time the LMS wrote without a zone (zip member
    times) is read in the rule's `timezone`, else in the deadline's own offset. None: unknown."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(rule.timezone) if rule.timezone else rule.deadline.tzinfo)
    return moment


def days_late(submitted: datetime, rule: Late) -> int:
    """0 when on time or within the grace period, else the days begun since the deadline."""
    late = submitted - rule.deadline
    return 0 if late <= rule.grace else math.ceil(late / DAY)


def deduction(score: float, submitted: datetime, rule: Late) -> LatePenalty | None:
    """What a submission at `submitted` loses of `score` under `rule`; None when on time."""
    days = days_late(submitted, rule)
    if days == 0:
        return None
    return _penalty(score, submitted.isoformat(timespec="seconds"), rule.deadline.isoformat(timespec="seconds"),
                    days, min(rule.cap, rule.per_day * days))


def penalised(result: GradeResult, rule: Late | None, submitted_at: str | None) -> GradeResult:
    """`result` with the penalty taken from its score and recorded in `late` (the score before it
    kept there); unchanged when there is no rule, no known time, or it was on time."""
    submitted = submission_time(submitted_at, rule) if rule is not None else None
    if rule is None or submitted is None or result.status in NOT_PENALISED:
        return result
    penalty = deduction(result.score, submitted, rule)
    return result if penalty is None else replace(result, score=round(penalty.score_before - penalty.deducted, 4),
                                                  late=penalty)


def reapplied(result: GradeResult) -> GradeResult:
    """After manual points changed a late result's score (to the sum of its checks): the same
    fraction taken from the new score."""
    late = result.late
    if late is None:
        return result
    penalty = _penalty(result.score, late.submitted_at, late.deadline, late.days_late, late.fraction)
    return replace(result, score=round(penalty.score_before - penalty.deducted, 4), late=penalty)


def _penalty(score: float, submitted: str, deadline: str, days: int, fraction: float) -> LatePenalty:
    return LatePenalty(submitted_at=submitted, deadline=deadline, days_late=days, fraction=round(fraction, 4),
                       score_before=score, deducted=round(score * fraction, 4))
