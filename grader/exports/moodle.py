"""Moodle: the gradebook's CSV import (Grades > Import > CSV file) and the assignment's offline
grading worksheet (Assignment > View all submissions > Upload grading worksheet).

Gradebook import: the instructor maps one identifier column ("Map from") to a user field ("Map
to": ID number, username or email address), the grade column to the grade item and the feedback
column to its feedback. Moodle aborts the whole import on a row whose identifier it cannot find,
and a row with a blank identifier takes the previous row's student; a blank grade clears the
grade. So only rows with an identifier Moodle issued are written, and held-back grades are left out.

Grading worksheet: rows are matched by `Identifier` (`Participant <id>`, the participant id of
Moodle's own download names), so it needs no roster; rows Moodle does not know, and blank grades,
are skipped by Moodle. `Feedback comments` fills the assignment's feedback comments.
"""

from __future__ import annotations

from datetime import UTC, datetime

from grader.course import LoadedAssignment
from grader.exports.common import (
    NO_OPTIONS,
    ExportOptions,
    Rendered,
    csv_text,
    feedback_text,
    held_back,
    lms_grade,
    points,
)
from grader.exports.identity import identify, listing
from grader.gradebook.records import ClassEntry

IDENTITY_COLUMNS = ["ID number", "Username", "Email address", "Full name"]
WORKSHEET_COLUMNS = ["Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Last modified (grade)",
                     "Feedback comments"]


def render(entries: list[ClassEntry], assignment: LoadedAssignment,
           options: ExportOptions = NO_OPTIONS) -> Rendered:
    title = assignment.spec.title
    rows, unmatched, left_out = [], [], []
    for entry in entries:
        who = identify(entry, options.roster)
        if held_back(entry.result):
            left_out.append(entry)
        elif not who.moodle_can_match:
            unmatched.append(entry)
        else:
            rows.append([who.id_number, who.username, who.email, who.name, points(entry.result.score),
                         feedback_text(entry.result)])
    warnings = []
    if unmatched:
        warnings.append(
            f"Left out {len(unmatched)} students Moodle cannot match (no ID number, username or e-mail address "
            "is known for them, and Moodle aborts an import on a row it cannot match): "
            f"{listing(unmatched)}. Give --roster with Moodle's participants or grades export, or use the "
            "moodle-worksheet export, which matches the participant ids of Moodle's download.")
    if left_out:
        warnings.append(
            f"Left out {len(left_out)} students whose grade must not be imported yet (needs review, or the grader "
            f"failed), so Moodle keeps what it holds: {listing(left_out)}.")
    return Rendered(csv_text(IDENTITY_COLUMNS + [title, f"{title} (feedback)"], rows), warnings)


def render_worksheet(entries: list[ClassEntry], assignment: LoadedAssignment,
                     options: ExportOptions = NO_OPTIONS) -> Rendered:
    """The grading worksheet; `Last modified (grade)` is the export's time, so a grade changed in
    Moodle after the export is kept unless the instructor ticks "Allow updating records that have
    been modified more recently in Moodle"."""
    exported = (options.exported_at or datetime.now(UTC)).isoformat(timespec="seconds")
    rows, unmatched = [], []
    for entry in entries:
        who = identify(entry, options.roster)
        if not who.moodle_participant:
            unmatched.append(entry)
            continue
        rows.append([f"Participant {who.moodle_participant}", who.name, who.email, lms_grade(entry.result),
                     points(assignment.rubric.max_points), exported, feedback_text(entry.result)])
    warnings = []
    if unmatched:
        warnings.append(
            f"Left out {len(unmatched)} students whose submission did not come from Moodle's \"Download all "
            f"submissions\", so their participant id is unknown: {listing(unmatched)}.")
    held = [entry for entry in entries if held_back(entry.result) and entry not in unmatched]
    if held:
        warnings.append(
            f"{len(held)} students have no grade in the worksheet (needs review, or the grader failed); Moodle "
            f"skips a blank grade and keeps what it holds: {listing(held)}.")
    return Rendered(csv_text(WORKSHEET_COLUMNS, rows), warnings)
