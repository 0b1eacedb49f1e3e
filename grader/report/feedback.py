"""feedback.html: one self-contained page (inline CSS, no scripts, no external assets)."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from grader.results import CheckResult, GradeResult
from grader.spec.assignment import Assignment


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """Built once per process: template parsing is most of the rendering cost."""
    return jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def render_feedback(result: GradeResult, assignment: Assignment, *, student_view: bool) -> str:
    """The page a student reads. Hidden checks show only their points, never their content."""
    rows = [_row(check, number) for number, check in enumerate(result.checks, start=1)]
    return _environment().get_template("feedback.html.j2").render(
        result=result, assignment=assignment, rows=rows, student_view=student_view,
        percent=100 * result.score / result.max_score if result.max_score else 0.0)


def _row(check: CheckResult, number: int) -> dict:
    hidden = check.visibility == "hidden"
    return {
        "title": f"Hidden check {number}" if hidden else check.title,
        "hidden": hidden,
        "status": check.status.value,
        "points": check.points,
        "max_points": check.max_points,
        "message": None if hidden else check.message,
        "expected": None if hidden else check.expected,
        "observed": None if hidden else check.observed,
        "explanation": None if hidden else check.details.get("explanation"),
        "cell": None if hidden else check.cell,
        "architecture": None if hidden else check.details.get("architecture"),
    }
