"""What every export format shares: rounded points, CSV text, and the words a student may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from grader.results import CheckResult, CheckStatus, GradeResult, Status


def points(value: float) -> float:
    """Two decimals: LMS importers choke on 0.30000000000000004."""
    return round(float(value), 2)


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


def automatic_checks(result: GradeResult) -> list[CheckResult]:
    """Checks the grader decided; pending manual checks are graded in the LMS by hand."""
    return [check for check in result.checks if check.status is not CheckStatus.PENDING]


def automatic_max(result: GradeResult) -> float:
    return result.max_score - result.pending_points


def lms_grade(result: GradeResult) -> float | str:
    """The grade an LMS import writes: empty (the LMS keeps what it has) when our side failed
    (`error`) or a person must review the notebook first (`needs-review`), else the points."""
    return "" if result.status in (Status.ERROR, Status.NEEDS_REVIEW) else points(result.score)


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
