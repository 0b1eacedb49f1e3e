"""Grades out of the gradebook into the formats LMSs and CI tools import (docs/exports.md).

Each format is a pure function. Class formats take every student's entry and give one file;
submission formats (what an autograder platform reads back) take one result, so exporting a class
in them gives one file per student; bundles (feedback pages for an LMS) give a folder or a zip.
Class formats and bundles also return warnings: what the instructor must know before importing.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import LoadedAssignment
from grader.exports import canvas, csv_json, gradescope, junit, lms_feedback, moodle, prairielearn
from grader.exports.common import NO_OPTIONS, ExportOptions, Rendered
from grader.exports.lms_feedback import Bundle
from grader.filenames import safe_file_name
from grader.gradebook.records import ClassEntry
from grader.results import GradeResult, write_atomically


@dataclass(frozen=True)
class ClassFormat:
    render: Callable[[list[ClassEntry], LoadedAssignment, ExportOptions], Rendered]
    suffix: str
    help: str


@dataclass(frozen=True)
class SubmissionFormat:
    render: Callable[[GradeResult], str]
    help: str


@dataclass(frozen=True)
class BundleFormat:
    render: Callable[[list[ClassEntry], LoadedAssignment, ExportOptions], Bundle]
    zipped: bool          # the files packed into one zip at --out, else written under the folder --out
    help: str


@dataclass(frozen=True)
class Exported:
    files: list[Path]
    warnings: list[str] = field(default_factory=list)


CLASS_FORMATS = {
    "csv": ClassFormat(csv_json.render_csv, ".csv", "plain gradebook: one row per student, one column per check"),
    "json": ClassFormat(csv_json.render_json, ".json", "plain gradebook as JSON, with the rubric's checks"),
    "canvas": ClassFormat(canvas.render, ".csv", "Canvas gradebook import CSV"),
    "moodle": ClassFormat(moodle.render, ".csv", "Moodle gradebook 'Import grades from CSV' file with feedback"),
    "moodle-worksheet": ClassFormat(moodle.render_worksheet, ".csv",
                                    "Moodle assignment's offline grading worksheet, matched by participant id"),
    "junit": ClassFormat(junit.render, ".xml", "JUnit XML for Jenkins, GitLab and CI dashboards"),
}

SUBMISSION_FORMATS = {
    "gradescope-results": SubmissionFormat(gradescope.render, "Gradescope results.json, one per student"),
    "prairielearn": SubmissionFormat(prairielearn.render, "PrairieLearn external grader results, one per student"),
}

BUNDLE_FORMATS = {
    "moodle-feedback": BundleFormat(lms_feedback.moodle_feedback_zip, True,
                                    "Moodle feedback files zip: every student's feedback page"),
    "canvas-comments": BundleFormat(lms_feedback.canvas_comments, False,
                                    "Canvas submission comments (comments.json) with every student's page"),
}


def export_class(name: str, entries: list[ClassEntry], assignment: LoadedAssignment, out: Path,
                 options: ExportOptions = NO_OPTIONS) -> Exported:
    """Write the format to `out`: a file, a zip, or a folder (one <student id>.json each for
    submission formats; a bundle's files)."""
    if name in CLASS_FORMATS:
        rendered = CLASS_FORMATS[name].render(entries, assignment, options)
        write_atomically(out, rendered.text)
        return Exported([out], rendered.warnings)
    if name in BUNDLE_FORMATS:
        bundle_format = BUNDLE_FORMATS[name]
        bundle = bundle_format.render(entries, assignment, options)
        if bundle_format.zipped:
            _write_zip(out, bundle.files)
            return Exported([out], bundle.warnings)
        for relative, content in bundle.files.items():
            write_atomically(out / relative, content)
        return Exported([out / relative for relative in bundle.files], bundle.warnings)
    render = SUBMISSION_FORMATS[name].render
    written = []
    for entry in entries:
        path = out / f"{safe_file_name(entry.student.id)}.json"
        write_atomically(path, render(entry.result))
        written.append(path)
    return Exported(written)


def _write_zip(out: Path, files: dict[str, str]) -> None:
    """The files packed into a zip at `out`, written beside it first so no reader sees half a zip."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, content in files.items():
            archive.writestr(relative, content)
    tmp.replace(out)
