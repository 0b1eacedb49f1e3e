"""The plain gradebook: CSV and JSON, one row per student, one points column per check.

Every number is rounded as the feedback page rounds it, and `percent` is computed from the
rounded score beside it, so the two agree at the displayed rounding."""

from __future__ import annotations

import json

from grader.course import LoadedAssignment
from grader.exports.common import NO_OPTIONS, ExportOptions, Rendered, csv_text, points
from grader.gradebook.records import ClassEntry

STUDENT_COLUMNS = ["student_id", "name", "login", "email", "section", "submission_id", "attempts", "submitted_at",
                   "status", "score", "max_score", "percent", "passed"]


def render_csv(entries: list[ClassEntry], assignment: LoadedAssignment,
               options: ExportOptions = NO_OPTIONS) -> Rendered:
    check_ids = [check.id for check in assignment.rubric.checks]
    rows = []
    for entry in entries:
        record = _record(entry)
        by_id = {check.id: check for check in entry.result.checks}
        rows.append([record[column] for column in STUDENT_COLUMNS]
                    + [points(by_id[i].points) if i in by_id else "" for i in check_ids])
    return Rendered(csv_text(STUDENT_COLUMNS + check_ids, [[_cell(value) for value in row] for row in rows]))


def _cell(value: object) -> object:
    """Empty for unknown, lower-case booleans: what spreadsheets and pandas read back cleanly."""
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else value


def render_json(entries: list[ClassEntry], assignment: LoadedAssignment,
                options: ExportOptions = NO_OPTIONS) -> Rendered:
    document = {
        "assignment": assignment.id,
        "title": assignment.spec.title,
        "rubric_version": assignment.rubric.version,
        "max_score": points(assignment.rubric.max_points),
        "pass_mark": assignment.rubric.pass_mark,
        "checks": [{"id": c.id, "title": str(c.title), "kind": c.kind, "points": c.points, "visibility": c.visibility}
                   for c in assignment.rubric.checks],
        "students": [{**_record(entry),
                      "checks": {c.id: {"points": points(c.points), "max_points": c.max_points,
                                        "status": c.status.value}
                                 for c in entry.result.checks}}
                     for entry in entries],
    }
    return Rendered(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _record(entry: ClassEntry) -> dict:
    student, result = entry.student, entry.result
    return {"student_id": student.id, "name": student.name, "login": student.login, "email": student.email,
            "section": student.section, "submission_id": entry.submission_id, "attempts": entry.attempts,
            "submitted_at": entry.submitted_at, "status": result.status.value, "score": points(result.score),
            "max_score": points(result.max_score), "percent": percent(result.score, result.max_score),
            "passed": result.passed}


def percent(score: float, max_score: float) -> float:
    """0-100 from the score and maximum as shown (rounded), itself rounded: 10.86 of 14 is 77.57."""
    return points(100 * points(score) / points(max_score)) if points(max_score) else 0.0
