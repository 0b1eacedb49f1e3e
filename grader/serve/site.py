"""The pages of `grader serve` as a plain object: a request's method, path and form in, a
`Response` out. grader/serve/server.py puts it behind the standard library's HTTP server; tests
can call it directly.

Routes: `/` lists each assignment's manual checks and who is pending; `/review/ASSIGNMENT/STUDENT`
shows one student's answers beside a form per check, and takes that form's POST. Nothing else is
served: no files, no static folder. A POST must carry this run's token (a hidden field of every
form), so another web page open in the same browser cannot enter points.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from grader.course import LoadedAssignment
from grader.errors import UsageError
from grader.gradebook.store import Gradebook
from grader.report.jinja import environment
from grader.serve.answers import answer
from grader.serve.review import AssignmentPoints, StudentPoints, assignment_points, save_points


@dataclass(frozen=True)
class Response:
    status: int
    body: str = ""
    location: str | None = None      # for a redirect


@dataclass(frozen=True)
class FormError:
    """A rejected entry, shown on the page beside the form it came from, with what was typed."""

    check: str
    message: str
    points: str
    comment: str


@dataclass
class ManualPointsSite:
    gradebook: Path
    assignments: list[LoadedAssignment]
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def get(self, path: str, query: dict[str, str]) -> Response:
        route = _route(path)
        if route == ():
            return Response(200, self._index())
        if route is None or len(route) != 2:
            return _not_found(path)
        return self._review(*route, saved=query.get("saved"))

    def post(self, path: str, form: dict[str, str]) -> Response:
        route = _route(path)
        if route is None or len(route) != 2:
            return _not_found(path)
        if not hmac.compare_digest(form.get("token", "").encode(), self.token.encode()):
            return Response(403, _page("manual_message.html.j2", title="Not saved", message=(
                "This form does not carry this run's token (a page from an earlier `grader serve`, or another "
                "site): nothing was saved. Open the page again from the address `grader serve` printed.")))
        assignment_id, student_id = route
        check = form.get("check", "")
        with Gradebook.open(self.gradebook) as book:
            points = self._points(book, assignment_id)
            if points is None or points.student(student_id) is None:
                return _not_found(path)
            try:
                save_points(book, points.assignment, student_id, check, form.get("points", ""), form.get("comment", ""))
            except UsageError as exc:
                error = FormError(check, str(exc), form.get("points", ""), form.get("comment", ""))
                return self._review(assignment_id, student_id, error=error, book=book)
        return Response(303, location=f"{review_path(assignment_id, student_id)}?saved={quote(check)}#{quote(check)}")

    # --- pages ------------------------------------------------------------------------------

    def _index(self) -> str:
        with Gradebook.open(self.gradebook) as book:
            classes = [points for a in self.assignments if (points := assignment_points(book, a)).checks]
        return _page("manual_index.html.j2", title="Manual points", classes=classes, review_path=review_path)

    def _review(self, assignment_id: str, student_id: str, *, saved: str | None = None,
                error: FormError | None = None, book: Gradebook | None = None) -> Response:
        if book is None:
            with Gradebook.open(self.gradebook) as opened:
                return self._review(assignment_id, student_id, saved=saved, error=error, book=opened)
        points = self._points(book, assignment_id)
        row = points.student(student_id) if points else None
        if points is None or row is None:
            return _not_found(review_path(assignment_id, student_id))
        content = book.submission_bytes(row.submission)
        answers = {check.id: answer(content, check.heading) for check in points.checks}
        body = _page("manual_review.html.j2", title=f"{row.student.name} · {points.assignment.id}", points=points,
                     row=row, answers=answers, token=self.token, saved=saved, error=error,
                     action=review_path(assignment_id, student_id), neighbours=_neighbours(points, row),
                     review_path=review_path)
        return Response(400 if error else 200, body)

    def _points(self, book: Gradebook, assignment_id: str) -> AssignmentPoints | None:
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                points = assignment_points(book, assignment)
                return points if points.checks else None
        return None


def review_path(assignment_id: str, student_id: str) -> str:
    return f"/review/{quote(assignment_id, safe='')}/{quote(student_id, safe='')}"


def _route(path: str) -> tuple[str, ...] | None:
    """() for the index, (assignment, student) for a review page, None for anything else."""
    parts = [unquote(part) for part in path.split("?", 1)[0].strip("/").split("/") if part]
    if not parts:
        return ()
    if parts[0] == "review" and len(parts) == 3:
        return parts[1], parts[2]
    return None


def _neighbours(points: AssignmentPoints, row: StudentPoints) -> dict[str, StudentPoints | None]:
    """The previous and next student, and the next one with points still pending."""
    index = points.students.index(row)
    after = points.students[index + 1:] + points.students[:index]
    return {"previous": points.students[index - 1] if index > 0 else None,
            "next": points.students[index + 1] if index + 1 < len(points.students) else None,
            "pending": next((other for other in after if other.pending(points.checks)), None)}


def _not_found(path: str) -> Response:
    return Response(404, _page("manual_message.html.j2", title="Not found",
                               message=f"There is no page {path}: open the list of manual points instead."))


def _page(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
