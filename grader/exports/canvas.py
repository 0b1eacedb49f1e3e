"""Canvas gradebook import CSV (Grades > Import), as Canvas's importer reads it.

The header is `Student, ID, SIS User ID, SIS Login ID, Section`, then one column per assignment;
the second row starts with `Points Possible` and gives each assignment's maximum. Canvas finds the
assignment of a column by the id in `Title (ID)`, else by a title equal to the whole header, and
only then creates a new assignment. It finds a student by `ID` (its user id), then `SIS User ID`,
then `SIS Login ID`, then by the `Student` name equal to their name or sortable name; anyone left
it asks the instructor to match by hand or ignore.

A blank grade is not "no change": where Canvas holds a grade, it clears it. So a grade that must
not be written (our side failed, or the notebook needs review) leaves the student's row out.
"""

from __future__ import annotations

from grader.course import LoadedAssignment
from grader.exports.common import NO_OPTIONS, ExportOptions, Rendered, csv_text, held_back, points
from grader.exports.identity import identify, listing
from grader.gradebook.records import ClassEntry

IDENTITY_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def column_title(assignment: LoadedAssignment, canvas_assignment_id: str | None) -> str:
    """`Title (ID)`: with the id Canvas fills that assignment whatever its title; without it,
    the column must equal an existing assignment's title or Canvas creates a new one."""
    title = assignment.spec.title
    return f"{title} ({canvas_assignment_id})" if canvas_assignment_id else title


def render(entries: list[ClassEntry], assignment: LoadedAssignment,
           options: ExportOptions = NO_OPTIONS) -> Rendered:
    rows: list[list[object]] = [["Points Possible", "", "", "", "", points(assignment.rubric.max_points)]]
    unmatched, left_out = [], []
    for entry in entries:
        if held_back(entry.result):
            left_out.append(entry)
            continue
        who = identify(entry, options.roster)
        if not who.canvas_can_match:
            unmatched.append(entry)
        rows.append([who.name, who.canvas_user_id, who.sis_user_id, who.sis_login_id, who.section,
                     points(entry.result.score)])
    warnings = []
    if unmatched:
        warnings.append(
            f"Canvas cannot match {len(unmatched)} students by id: {listing(unmatched)}. Their ID is not a "
            "Canvas user id (it comes from a file name, not from Canvas) and no SIS id is known, so Canvas "
            "matches them only by a name equal to theirs in Canvas, or asks you to. Give --roster with "
            "Canvas's gradebook export (Grades > Export) to carry their Canvas ID and SIS ids.")
    if left_out:
        warnings.append(
            f"Left out {len(left_out)} students whose grade must not be imported yet (needs review, or the grader "
            f"failed), so Canvas keeps what it holds: {listing(left_out)}.")
    return Rendered(csv_text(IDENTITY_COLUMNS + [column_title(assignment, options.canvas_assignment_id)], rows),
                    warnings)
