"""What one row of a class's grades is, shared by the gradebook, the exports and the reports.

The gradebook (SQLite) produces these; every export format and the class report only read
them, so a format never needs to know how grades are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.results import GradeResult


@dataclass(frozen=True)
class Student:
    """A person as the LMS knows them. `id` is the LMS's user id (Canvas user id, Moodle
    participant id); without a roster it is the submission's own id."""

    id: str
    name: str
    login: str | None = None    # Canvas login / SIS user id / Moodle username
    email: str | None = None
    section: str | None = None


@dataclass
class ClassEntry:
    """One student's current grade on one assignment: the latest submission's result, with any
    manual points already applied to it."""

    student: Student
    submission_id: str
    result: GradeResult
    attempts: int = 1
    submitted_at: str | None = None     # ISO 8601, from the LMS export when it says
    feedback: str | None = None         # feedback HTML, relative to the export/report folder
    source: str | None = None           # the file the submission came from (for the instructor)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return 100.0 * self.result.score / self.result.max_score if self.result.max_score else 0.0
