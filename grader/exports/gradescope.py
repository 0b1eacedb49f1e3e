"""Gradescope autograder results (/autograder/results/results.json).

Gradescope's format: a top-level `score` (it overrides the sum of the tests), `execution_time`
(whole seconds), `output` with `output_format`, `visibility` and `stdout_visibility`, and `tests`:
each with `name`, `number`, `score`, `max_score`, `status` ("passed"/"failed"), `output`,
`output_format` and `visibility` ("visible", "hidden", "after_due_date" or "after_published").
Manual checks are graded in Gradescope itself, so pending ones are left out of `tests`.
"""

from __future__ import annotations

import json

from grader.exports.common import automatic_checks, points, student_output, summary_line
from grader.results import CheckResult, CheckStatus, GradeResult

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def results(result: GradeResult, *, hidden_visibility: str = "after_due_date") -> dict:
    """Hidden checks keep their points but not their words; Gradescope shows them per `hidden_visibility`."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, not {hidden_visibility!r}")
    return {
        "score": points(result.score),
        "execution_time": round(result.timings.get("total", 0.0)),
        "output": summary_line(result),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test(check, number, hidden_visibility)
                  for number, check in enumerate(automatic_checks(result), start=1)],
    }


def render(result: GradeResult, **options: str) -> str:
    return json.dumps(results(result, **options), indent=2, ensure_ascii=False) + "\n"


def _test(check: CheckResult, number: int, hidden_visibility: str) -> dict:
    hidden = check.visibility == "hidden"
    return {
        "name": f"Hidden check {number}" if hidden else check.title,
        "number": str(number),
        "score": points(check.points),
        "max_score": points(check.max_points),
        "status": "passed" if check.status is CheckStatus.PASSED else "failed",
        "output": student_output(check),
        "output_format": "text",
        "visibility": hidden_visibility if hidden else "visible",
    }
