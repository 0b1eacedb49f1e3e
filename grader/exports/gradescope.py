"""Gradescope autograder results (/autograder/results/results.json), per Gradescope's
specification (gradescope-autograders.readthedocs.io, "Autograder Specifications").

A top-level `score` (it overrides the sum of the tests), `execution_time` (seconds), `output` with
`output_format`, `visibility` and `stdout_visibility`, and `tests`: each with `name`, `number`,
`score`, `max_score`, `status` ("passed"/"failed"), `output`, `output_format` and `visibility`
("visible", "hidden", "after_due_date" or "after_published"). Manual checks are graded in
Gradescope itself, so pending ones are left out of `tests`.

While a test is not visible, Gradescope hides the student's total; the top-level `output` must
not give it away either, so it then shows the points of the visible tests only, without the total
or the pass verdict (either, minus the visible points, would tell the hidden score).
"""

from __future__ import annotations

import json

from grader.exports.common import automatic_checks, check_name, points, student_output, summary_line
from grader.results import CheckResult, CheckStatus, GradeResult, Status

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def results(result: GradeResult, *, hidden_visibility: str = "after_due_date") -> dict:
    """Hidden checks keep their points but not their words; Gradescope shows them per `hidden_visibility`."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, not {hidden_visibility!r}")
    tests = [_test(check, number, hidden_visibility) for number, check in automatic_checks(result)]
    return {
        "score": points(result.score),
        "execution_time": round(result.timings.get("total", 0.0)),
        "output": _output(result, tests),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def render(result: GradeResult, **options: str) -> str:
    return json.dumps(results(result, **options), indent=2, ensure_ascii=False) + "\n"


def _output(result: GradeResult, tests: list[dict]) -> str:
    """The summary line, or while some tests are unreleased, what the visible tests alone say."""
    unreleased = [test for test in tests if test["visibility"] != "visible"]
    if not unreleased:
        return summary_line(result)
    shown = [test for test in tests if test["visibility"] == "visible"]
    earned, maximum = points(sum(t["score"] for t in shown)), points(sum(t["max_score"] for t in shown))
    line = (f"Checks shown now: {earned:g}/{maximum:g} points. {len(unreleased)} more checks count towards your "
            "score; your total is shown when they are released.")
    if result.status is not Status.GRADED:  # the status, as summary_line words it, without the verdict
        provisional = ", provisional: needs review by hand" if result.status is Status.NEEDS_REVIEW else ""
        line += f" Status: {result.status.value}{provisional}." + (f" {result.message}" if result.message else "")
    return line


def _test(check: CheckResult, number: int, hidden_visibility: str) -> dict:
    hidden = check.visibility == "hidden"
    return {
        "name": check_name(check, number),
        "number": str(number),
        "score": points(check.points),
        "max_score": points(check.max_points),
        "status": "passed" if check.status is CheckStatus.PASSED else "failed",
        "output": student_output(check),
        "output_format": "text",
        "visibility": hidden_visibility if hidden else "visible",
    }
