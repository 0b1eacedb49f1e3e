"""Grades out of the gradebook into the formats LMSs and CI tools import (docs/exports.md).

Each format is a pure function to text. Class formats take every student's entry and give one
file; submission formats (what an autograder platform reads back) take one result, so exporting
a class in them gives one file per student.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.course import LoadedAssignment
from grader.exports import canvas, csv_json, gradescope, junit, moodle, prairielearn
from grader.filenames import safe_file_name
from grader.gradebook.records import ClassEntry
from grader.results import GradeResult, write_atomically


@dataclass(frozen=True)
class ClassFormat:
    render: Callable[[list[ClassEntry], LoadedAssignment], str]
    suffix: str
    help: str


@dataclass(frozen=True)
class SubmissionFormat:
    render: Callable[[GradeResult], str]
    help: str


CLASS_FORMATS = {
    "csv": ClassFormat(csv_json.render_csv, ".csv", "plain gradebook: one row per student, one column per check"),
    "json": ClassFormat(csv_json.render_json, ".json", "plain gradebook as JSON, with the rubric's checks"),
    "canvas": ClassFormat(canvas.render, ".csv", "Canvas gradebook import CSV"),
    "moodle": ClassFormat(moodle.render, ".csv", "Moodle 'Import grades from CSV' file with feedback"),
    "junit": ClassFormat(junit.render, ".xml", "JUnit XML for GitHub Classroom and CI dashboards"),
}

SUBMISSION_FORMATS = {
    "gradescope-results": SubmissionFormat(gradescope.render, "Gradescope results.json, one per student"),
    "prairielearn": SubmissionFormat(prairielearn.render, "PrairieLearn external grader results, one per student"),
}


def export_class(name: str, entries: list[ClassEntry], assignment: LoadedAssignment, out: Path) -> list[Path]:
    """Write the format to `out` (a file, or for submission formats a folder of <student id>.json)."""
    if name in CLASS_FORMATS:
        write_atomically(out, CLASS_FORMATS[name].render(entries, assignment))
        return [out]
    render = SUBMISSION_FORMATS[name].render
    written = []
    for entry in entries:
        path = out / f"{safe_file_name(entry.student.id)}.json"
        write_atomically(path, render(entry.result))
        written.append(path)
    return written

