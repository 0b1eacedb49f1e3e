"""Manual points from a CSV sheet: what an instructor fills in after reading paper reviews.

Columns: `student` (id, login or e-mail, as the roster knows them), `check` (the manual check's
id), `points`, optional `comment`. Every row is validated before any is written, so a sheet with
one typo changes nothing and the message names the line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.spec.rubric import Rubric


@dataclass(frozen=True)
class ManualEntry:
    student: str
    check: str
    points: float
    comment: str = ""


def manual_checks(rubric: Rubric) -> dict[str, float]:
    """The rubric's manual checks and their maximum points."""
    return {check.id: check.points for check in rubric.checks if check.kind == "manual"}


def validate_entry(entry: ManualEntry, rubric: Rubric, where: str = "") -> None:
    allowed = manual_checks(rubric)
    if entry.check not in allowed:
        known = ", ".join(sorted(allowed)) or "none"
        raise UsageError(f"{where}{entry.check!r} is not a manual check of {rubric.assignment} "
                         f"(manual checks: {known})")
    if not 0 <= entry.points <= allowed[entry.check]:
        raise UsageError(f"{where}{entry.points:g} points for {entry.check}: give 0 to {allowed[entry.check]:g}")


def read_sheet(path: Path, rubric: Rubric) -> list[ManualEntry]:
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    entries = []
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}: "
        try:
            entry = ManualEntry(student=(row.get("student") or "").strip(), check=(row.get("check") or "").strip(),
                                points=float(row.get("points") or ""), comment=(row.get("comment") or "").strip())
        except ValueError:
            raise UsageError(f"{where}points must be a number (columns: student, check, points, comment)") from None
        if not entry.student:
            raise UsageError(f"{where}no student")
        validate_entry(entry, rubric, where)
        entries.append(entry)
    return entries
