"""PrairieLearn external grader results (/grade/results/results.json).

PrairieLearn's format: `gradable` (false: the submission could not be graded and does not use up
an attempt), `score` as a fraction in [0, 1], `message`, `output`, and `tests`, each with `name`,
`points`, `max_points`, `message` and `output`. Manual points are graded in
PrairieLearn's own manual grading, so the score is a fraction of the automatic points only, taken
from the rounded points the message shows (10.86/14 gives 0.7757..., never 0.7755).
"""

from __future__ import annotations

import json

from grader.exports.common import automatic_checks, automatic_max, check_name, points, student_output, summary_line
from grader.results import GradeResult, Status


def results(result: GradeResult) -> dict:
    """Not gradable (no attempt used up) when the notebook could not be graded, our side failed,
    or it needs review (it defines none of the expected names, or a model of another framework):
    the student reads why in `format_errors` and can fix it."""
    gradable = result.status not in (Status.UNGRADABLE, Status.ERROR, Status.NEEDS_REVIEW)
    total = points(automatic_max(result))
    document = {
        "gradable": gradable,
        "score": min(1.0, max(0.0, points(result.score) / total)) if gradable and total else 0.0,
        "message": summary_line(result),
        "output": result.message or "",
        "tests": [{"name": check_name(check, number),
                   "points": points(check.points),
                   "max_points": points(check.max_points),
                   "message": student_output(check),
                   "output": ""}
                  for number, check in automatic_checks(result)],
    }
    if not gradable:
        document["format_errors"] = [result.message or f"the notebook was {result.status.value}"]
    return document


def render(result: GradeResult) -> str:
    return json.dumps(results(result), indent=2, ensure_ascii=False) + "\n"
