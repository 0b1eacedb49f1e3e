"""What every export format shares: rounded points, CSV text, what a format returns, and the
words a student may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from grader.intake.roster import Roster
from grader.report.points import rounded
from grader.results import CheckResult, CheckStatus, GradeResult, Status

points = rounded  # one rounding for the page and every export (grader/report/points.py)


@dataclass(frozen=True)
class ExportOptions:
    """What an instructor may add to an export beyond the gradebook (each from a CLI option)."""

    roster: Roster | None = None              # the LMS's roster: the ids its import matches on
    canvas_assignment_id: str | None = None   # Canvas: the column header `Title (ID)`
    exported_at: datetime | None = None       # Moodle's worksheet: its `Last modified (grade)`
    lang: str = "en"                          # feedback pages in LMS feedback bundles


NO_OPTIONS = ExportOptions()


@dataclass(frozen=True)
class Rendered:
    """An export's text and what the instructor must know before importing it (students the
    LMS cannot match, rows left out); the CLI prints the warnings to stderr."""

    text: str
    warnings: list[str] = field(default_factory=list)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends, quoted only where needed), as every LMS importer reads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def student_output(check: CheckResult) -> str:
    """What a student may read about a check: a hidden check says only that it is hidden."""
    if check.visibility == "hidden":
        return "A hidden check: only its points are shown."
    parts = [check.message]
    if check.details.get("explanation"):
        parts.append(str(check.details["explanation"]))
    if check.expected:
        parts.append(f"Expected: {check.expected}")
    if check.observed:
        parts.append(f"Observed: {check.observed}")
    return "\n".join(part for part in parts if part)


def check_name(check: CheckResult, number: int) -> str:
    """A check's name where a student may read it: its title, or `Hidden check N` (N its place
    in the rubric, so the name stays the same whatever the check scored)."""
    return f"Hidden check {number}" if check.visibility == "hidden" else check.title


def automatic_checks(result: GradeResult) -> list[tuple[int, CheckResult]]:
    """(place in the rubric, check) for the checks the grader decided; pending manual checks are
    graded in the LMS by hand."""
    return [(number, check) for number, check in enumerate(result.checks, start=1)
            if check.status is not CheckStatus.PENDING]


def automatic_max(result: GradeResult) -> float:
    return result.max_score - result.pending_points


def held_back(result: GradeResult) -> bool:
    """A grade no LMS import may write: our side failed (`error`) or a person must review the
    notebook first (`needs-review`). A blank cell would not keep the LMS's grade: Canvas and
    Moodle both clear a grade they hold for a blank, so such a student's row is left out."""
    return result.status in (Status.ERROR, Status.NEEDS_REVIEW)


def lms_grade(result: GradeResult) -> float | str:
    """The grade an LMS import writes: empty when it is held back, else the points."""
    return "" if held_back(result) else points(result.score)


def summary_line(result: GradeResult) -> str:
    """One line a student or instructor can read in an LMS comment box."""
    verdict = ("provisional: needs review by hand" if result.status is Status.NEEDS_REVIEW
               else "passed" if result.passed else "below the pass mark")
    line = f"{points(result.score):g}/{points(result.max_score):g} ({result.status.value}, {verdict})"
    if result.pending_points:
        line += f"; {points(result.pending_points):g} points are graded by hand later"
    if result.message and result.status is not Status.GRADED:
        line += f". {result.message}"
    return line


def check_line(check: CheckResult, number: int) -> str:
    """`- <name>: <points>/<max> <status>: <what the student may read>` on one line."""
    if check.status is CheckStatus.PENDING:
        return f"- {check_name(check, number)}: graded by hand, points not entered yet"
    said = " ".join(student_output(check).split())
    line = f"- {check_name(check, number)}: {points(check.points):g}/{points(check.max_points):g} {check.status.value}"
    return f"{line}: {said}" if said and check.status is not CheckStatus.PASSED else line


def feedback_text(result: GradeResult) -> str:
    """The feedback an LMS comment box holds: the summary line, a late penalty's line, then one
    line per check (hidden checks with their points only)."""
    lines = [summary_line(result)]
    if result.late is not None:
        late = result.late
        days = f"{late.days_late} day" + ("s" if late.days_late != 1 else "")
        lines.append(f"Late: submitted {late.submitted_at}, {days} after the deadline ({late.deadline}): "
                     f"{100 * late.fraction:g}% of {points(late.score_before):g} points deducted, "
                     f"{points(late.deducted):g} points.")
    lines += [check_line(check, number) for number, check in enumerate(result.checks, start=1)]
    return "\n".join(lines)
