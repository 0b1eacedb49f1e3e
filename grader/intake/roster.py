"""The class roster: a CSV that maps what an LMS export calls a student to who they are.

Column names are matched case-insensitively against the names LMS exports use, so a Canvas
gradebook export, a Moodle participants export or a hand-made sheet all work as they are.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError
from grader.gradebook.records import Student

COLUMNS = {
    "id": ("id", "student id", "student_id", "user id", "user_id", "userid", "id number", "idnumber"),
    "name": ("name", "student", "full name", "full_name", "student name"),
    "login": ("login", "sis login id", "sis user id", "username", "user name", "github", "github username"),
    "email": ("email", "email address", "e-mail"),
    "section": ("section", "group", "groups"),
}


@dataclass
class Roster:
    students: list[Student] = field(default_factory=list)
    # each student's row as the LMS wrote it ({header, case-folded: value}, by student id): the
    # identifiers an LMS import matches on (Canvas's SIS User ID, Moodle's ID number) that a
    # Student does not hold
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def row(self, student_id: str) -> dict[str, str]:
        return self.rows.get(student_id, {})

    def find(self, key: str, *, name: str | None = None, login: str | None = None) -> Student | None:
        """The student an export's key (user id, login, e-mail or stem) or display name points to."""
        wanted = key.casefold()
        for student in self.students:
            known = {student.id, student.login or "", student.email or "", (student.email or "").split("@")[0]}
            if wanted in {k.casefold() for k in known if k}:
                return student
        for student in self.students:
            if login and student.login and login.casefold() == student.login.casefold():
                return student
            if name and _same_name(name, student.name):
                return student
        return None


def _same_name(a: str, b: str) -> bool:
    """Names compared ignoring case, spacing and order ("Smith, John" is "John Smith")."""
    def words(name: str) -> list[str]:
        return sorted(name.replace(",", " ").casefold().split())
    return words(a) == words(b)


def load_roster(path: Path) -> Roster:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the roster {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    headers = {h.strip().casefold(): h for h in (reader.fieldnames or [])}
    columns = {field_: next((headers[a] for a in aliases if a in headers), None) for field_, aliases in COLUMNS.items()}
    if columns["id"] is None:
        raise UsageError(f"{path}: no student id column; name one of: {', '.join(COLUMNS['id'])}")
    students = []
    rows: dict[str, dict[str, str]] = {}

    def value(row: dict[str, str | None], field_: str) -> str | None:
        column = columns[field_]
        return (row.get(column) or "").strip() or None if column else None

    for row in reader:
        student_id = (row.get(columns["id"]) or "").strip()
        if not student_id:  # also Canvas's "Points Possible" row, which has no ID
            continue
        students.append(Student(id=student_id, name=value(row, "name") or student_id, login=value(row, "login"),
                                email=value(row, "email"), section=value(row, "section")))
        rows[student_id] = {h.strip().casefold(): (v or "").strip() for h, v in row.items() if isinstance(h, str)}
    if not students:
        raise UsageError(f"{path}: the roster lists no students")
    return Roster(students, rows)
