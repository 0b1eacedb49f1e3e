"""feedback.html: one self-contained page (inline CSS, no scripts, no external assets)."""

from __future__ import annotations

from grader.i18n import N_, language
from grader.report.jinja import environment
from grader.report.words import CELL_STATUS, CHECK_STATUS, ENVIRONMENT, GRADE_STATUS, rendered
from grader.results import CheckResult, GradeResult
from grader.spec.assignment import Assignment


def render_feedback(result: GradeResult, assignment: Assignment, *, student_view: bool, instructor: bool = False,
                    lang: str = "en") -> str:
    """The page a student reads, in any language with a catalog (`lang`: grader/locale): the
    grader's words, its messages and the rubric's text in that language, values as they are.
    Hidden checks show only their points, never their content; with `instructor`, the instructor's
    view of the same page (the class report's): hidden checks in full, their title, message,
    expected and observed values."""
    speaks = language(lang)
    result = result.localized(speaks)
    rows = [_row(check, number, lang, instructor) for number, check in enumerate(result.checks, start=1)]
    return environment(lang).get_template("feedback.html.j2").render(
        result=result, assignment=assignment, rows=rows, student_view=student_view, instructor=instructor,
        lang=lang, check_status=rendered(CHECK_STATUS, speaks), grade_status=rendered(GRADE_STATUS, speaks),
        cell_status=rendered(CELL_STATUS, speaks), environment_words=rendered(ENVIRONMENT, speaks),
        percent=100 * result.score / result.max_score if result.max_score else 0.0)


def _row(check: CheckResult, number: int, lang: str, instructor: bool) -> dict:
    hidden = check.visibility == "hidden" and not instructor  # what a student may not see
    return {
        "title": N_("Hidden check {number}", number=number).render(language(lang)) if hidden else check.title,
        "hidden": check.visibility == "hidden",
        "status": check.status.value,
        "points": check.points,
        "max_points": check.max_points,
        "message": None if hidden else check.message,
        "expected": None if hidden else check.expected,
        "observed": None if hidden else check.observed,
        "explanation": None if hidden else check.details.get("explanation"),
        "cell": None if hidden else check.cell,
        "place": None if hidden else check.place,
        "architecture": None if hidden else check.details.get("architecture"),
    }
