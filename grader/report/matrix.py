"""The class report's student × check matrix: one row per student, one column per rubric check
(hidden ones included, it is the instructor's page), each cell the check's status and points.

A check a student's result does not hold (graded under another rubric version), or any check of a
submission that never ran (ungradable, or the grader's own error), is `not-run`: a failure there
says nothing about the student's answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.gradebook.records import ClassEntry
from grader.i18n import Language, render
from grader.results import Status
from grader.spec.rubric import Rubric

NOT_RUN = "not-run"
NEVER_RAN = (Status.UNGRADABLE, Status.ERROR)


@dataclass(frozen=True)
class Column:
    id: str
    title: str          # the rubric's title in the page's language, whole
    hidden: bool
    max_points: float


@dataclass(frozen=True)
class Cell:
    status: str                 # passed, partial, failed, pending, or not-run
    points: float | None        # None when not run


@dataclass(frozen=True)
class Row:
    entry: ClassEntry
    cells: list[Cell]


@dataclass(frozen=True)
class Matrix:
    columns: list[Column]
    rows: list[Row]


def check_matrix(entries: list[ClassEntry], rubric: Rubric, language: Language) -> Matrix:
    columns = [Column(id=check.id, title=render(check.title, language) or check.id, hidden=check.visibility == "hidden",
                      max_points=check.points) for check in rubric.checks]
    rows = []
    for entry in entries:
        found = {check.id: check for check in entry.result.checks}
        cells = []
        for column in columns:
            check = found.get(column.id)
            if check is None or entry.result.status in NEVER_RAN:
                cells.append(Cell(NOT_RUN, None))
            else:
                cells.append(Cell(check.status.value, check.points))
        rows.append(Row(entry, cells))
    return Matrix(columns, rows)

