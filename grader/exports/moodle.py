"""Moodle grade import CSV (Grades > Import > CSV file).

Moodle maps one identifier column of the file ("Map from") to a user field ("Map to": user id,
username, ID number or email address), then maps the grade column to a grade item and the
feedback column to that item's feedback. We write every identifier we know, so the instructor
maps whichever the course uses; grades are plain numbers between 0 and the item's maximum.
"""

from __future__ import annotations

from grader.course import LoadedAssignment
from grader.exports.common import csv_text, lms_grade, summary_line
from grader.gradebook.records import ClassEntry

IDENTITY_COLUMNS = ["ID number", "Username", "Email address", "Full name"]


def render(entries: list[ClassEntry], assignment: LoadedAssignment) -> str:
    title = assignment.spec.title
    rows = []
    for entry in entries:
        student = entry.student
        grade = lms_grade(entry.result)
        rows.append([student.id, student.login or "", student.email or "", student.name, grade,
                     summary_line(entry.result)])
    return csv_text(IDENTITY_COLUMNS + [title, f"{title} (feedback)"], rows)
