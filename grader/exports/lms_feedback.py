"""Feedback out through the LMS: every student's feedback page, packed the way the LMS takes it.

Moodle: a zip for the assignment's "Upload multiple feedback files in a zip". Moodle reads each
member's path part by part, splits a part at `_` into at most five pieces and takes the second as
the participant id (`<Full Name>_<participant id>_assignsubmission_file_`, the folder name of its
own "Download all submissions"); the rest of the path becomes the feedback file's name. So each
student's page goes in such a folder, named by the participant id their download carried.

Canvas has no bulk import of comments. `comments.json` holds, per student, the body Canvas's
"Grade or comment on a submission" API takes (`PUT /api/v1/courses/:course_id/assignments/
:assignment_id/submissions/:user_id` with `{"comment": {"text_comment": ...}}`) and the page to
attach (upload it with `POST .../submissions/:user_id/comments/files`, then send its id in
`comment.file_ids`); docs/exports.md shows a script.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from grader.course import LoadedAssignment
from grader.exports.common import NO_OPTIONS, ExportOptions, feedback_text
from grader.exports.identity import LmsIdentity, identify, listing
from grader.filenames import safe_file_name
from grader.gradebook.records import ClassEntry
from grader.intake.names import origin_of
from grader.report.feedback import render_feedback

PAGE = "feedback.html"
NOT_IN_A_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class Bundle:
    """Files (path relative to the output -> content), written to a folder or packed in a zip,
    and the instructor's warnings."""

    files: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def page(entry: ClassEntry, assignment: LoadedAssignment, lang: str) -> str:
    """The student's feedback page as of now (manual points included), as grading writes it."""
    return render_feedback(entry.result, assignment.spec, student_view=False, lang=lang)


def moodle_folder(name: str, participant: str) -> str:
    """`<Full Name>_<participant id>_assignsubmission_file_`: underscores in the name become
    spaces (as in Moodle's own download), so the id is the second `_` piece Moodle reads."""
    clean = " ".join(NOT_IN_A_NAME.sub("", name.replace("_", " ")).split()) or "Participant"
    return f"{clean}_{participant}_assignsubmission_file_"


def moodle_feedback_zip(entries: list[ClassEntry], assignment: LoadedAssignment,
                        options: ExportOptions = NO_OPTIONS) -> Bundle:
    """The zip's layout: `<Full Name>_<participant id>_assignsubmission_file_/feedback.html`."""
    files, unmatched = {}, []
    for entry in entries:
        who = identify(entry, options.roster)
        if not who.moodle_participant:
            unmatched.append(entry)
            continue
        files[f"{moodle_folder(_moodle_name(entry, who), who.moodle_participant)}/{PAGE}"] = page(
            entry, assignment, options.lang)
    warnings = []
    if unmatched:
        warnings.append(
            f"No feedback file for {len(unmatched)} students whose submission did not come from Moodle's "
            "\"Download all submissions\" (Moodle matches a feedback file by the participant id of that download): "
            f"{listing(unmatched)}.")
    return Bundle(files, warnings)


def _moodle_name(entry: ClassEntry, who: LmsIdentity) -> str:
    """The name Moodle's download gave the student's folder, else the one we know."""
    origin = origin_of(entry.source) if entry.source else None
    return origin.display_name if origin is not None and origin.display_name else who.name


def canvas_comments(entries: list[ClassEntry], assignment: LoadedAssignment,
                    options: ExportOptions = NO_OPTIONS) -> Bundle:
    files: dict[str, str] = {}
    submissions, unmatched = [], []
    for entry in entries:
        who = identify(entry, options.roster)
        user = who.canvas_user_id or (f"sis_user_id:{who.sis_user_id}" if who.sis_user_id else "")
        if not user:
            unmatched.append(entry)
            continue
        path = f"pages/{safe_file_name(user)}.html"
        files[path] = page(entry, assignment, options.lang)
        submissions.append({"user_id": user, "name": who.name, "comment": {"text_comment": feedback_text(entry.result)},
                            "page": path})
    document = {"assignment": assignment.id, "canvas_assignment_id": options.canvas_assignment_id,
                "request": "PUT /api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id",
                "submissions": submissions}
    files["comments.json"] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    warnings = []
    if unmatched:
        warnings.append(
            f"No comment for {len(unmatched)} students without a Canvas user id or SIS user id (the API addresses a "
            f"submission by one): {listing(unmatched)}. Give --roster with Canvas's gradebook export.")
    return Bundle(files, warnings)
