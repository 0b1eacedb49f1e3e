"""What `grader serve` shows and writes: each assignment's manual checks, every student's points
on them (entered or pending), and one entry saved through the same validation as
`grader manual set` (grader/gradebook/manual.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from grader.checks.manual import ManualParams
from grader.course import LoadedAssignment
from grader.errors import UsageError
from grader.gradebook.manual import ManualEntry, validate_entry
from grader.gradebook.records import Student
from grader.gradebook.store import Gradebook
from grader.i18n import render


@dataclass(frozen=True)
class ManualCheck:
    id: str
    title: str
    points: float        # the most it can give
    guidance: str
    heading: str         # where the answer is in the notebook (grader/serve/answers.py)


@dataclass(frozen=True)
class Entered:
    points: float
    comment: str


@dataclass(frozen=True)
class StudentPoints:
    """A student with a current submission, and what has been entered for each manual check."""

    student: Student
    submission: int                  # the current submission's id in the gradebook
    entered: dict[str, Entered]      # by check id; a check missing here is pending

    def pending(self, checks: list[ManualCheck]) -> list[ManualCheck]:
        return [check for check in checks if check.id not in self.entered]


@dataclass(frozen=True)
class AssignmentPoints:
    assignment: LoadedAssignment
    checks: list[ManualCheck]
    students: list[StudentPoints]

    @property
    def pending(self) -> int:
        """Manual points still to enter over the class (one per student and check)."""
        return sum(len(row.pending(self.checks)) for row in self.students)

    def student(self, student_id: str) -> StudentPoints | None:
        return next((row for row in self.students if row.student.id == student_id), None)


def manual_checks(assignment: LoadedAssignment) -> list[ManualCheck]:
    checks = []
    for check in assignment.rubric.checks:
        if check.kind == "manual":
            params = ManualParams.model_validate(check.params)
            checks.append(ManualCheck(id=check.id, title=render(check.title) or check.id, points=check.points,
                                      guidance=params.guidance, heading=params.heading))
    return checks


def assignment_points(book: Gradebook, assignment: LoadedAssignment) -> AssignmentPoints:
    """Every student with a submission for `assignment`, ordered by id, and their manual points."""
    rows = []
    for submission in book.latest_submissions(assignment.id):
        stored = book.manual_points(assignment.id, submission.student.id)
        rows.append(StudentPoints(student=submission.student, submission=submission.id,
                                  entered={check: Entered(points, comment) for check, (points, comment) in
                                           stored.items()}))
    return AssignmentPoints(assignment=assignment, checks=manual_checks(assignment), students=rows)


def save_points(book: Gradebook, assignment: LoadedAssignment, student_id: str, check_id: str, points: str,
                comment: str) -> None:
    """Write one manual grade of the student whose id is `student_id`, as typed in the form, or
    raise UsageError (nothing written) saying what is wrong: the same checks as `grader manual set`."""
    try:
        value = float(points.strip())
    except ValueError:
        raise UsageError(f"points must be a number, e.g. 3 or 2.5 (got {points.strip()!r})") from None
    if not math.isfinite(value):
        raise UsageError(f"points must be a number, e.g. 3 or 2.5 (got {points.strip()!r})")
    entry = ManualEntry(student=student_id, check=check_id, points=value, comment=comment.strip())
    validate_entry(entry, assignment.rubric)
    book.set_manual(assignment.id, student_id, entry.check, entry.points, entry.comment)
