"""Canvas gradebook import CSV (Grades > Import).

Canvas reads the columns `Student, ID, SIS User ID, SIS Login ID, Section`, then one column per
assignment named `<Assignment Name> (<Canvas assignment id>)`; a column without the id creates a
new assignment. The optional second row starts with `Points Possible` and gives each assignment's
maximum. Students are matched by ID, then SIS User ID, then SIS Login ID.
"""

from __future__ import annotations

from grader.course import LoadedAssignment
from grader.exports.common import csv_text, lms_grade, points
from grader.gradebook.records import ClassEntry

IDENTITY_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def render(entries: list[ClassEntry], assignment: LoadedAssignment, *, canvas_assignment_id: str | None = None) -> str:
    """A grade left empty (our own infrastructure failed, or the notebook needs review by hand)
    leaves the Canvas grade untouched."""
    column = assignment.spec.title + (f" ({canvas_assignment_id})" if canvas_assignment_id else "")
    rows = [["Points Possible", "", "", "", "", points(assignment.rubric.max_points)]]
    for entry in entries:
        student = entry.student
        grade = lms_grade(entry.result)
        sis_user_id = entry.extra.get("sis_user_id", "")
        rows.append([student.name, student.id, sis_user_id, student.login or "", student.section or "", grade])
    return csv_text(IDENTITY_COLUMNS + [column], rows)
