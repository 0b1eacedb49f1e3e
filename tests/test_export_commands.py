"""`grader export ...` and `grader report` end to end: a real gradebook filled with really graded
results, read back through the commands into files."""

from __future__ import annotations

import csv
import zipfile

import pytest
from click.testing import CliRunner

from class_support import grade_class
from conftest import FIXTURE_COURSE
from grader.commands.export import export, report
from grader.gradebook.store import Gradebook


@pytest.fixture(scope="module")
def gradebook(toy, local_sandbox, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradebook")
    path = folder / "gradebook.sqlite"
    with Gradebook.open(path) as book:
        for entry in grade_class(toy, local_sandbox, folder):
            stored = book.add_submission("toy", entry.student, entry.submission_id, entry.result.sha256 or entry.submission_id,
                                         b"{}", source=entry.source, submitted_at=entry.submitted_at)
            book.record_result(stored.id, entry.result, observations=None, probes=None)
    return path


def invoke(command, *args: str):  # noqa: ANN001, ANN201 - a click command; its Result
    outcome = CliRunner().invoke(command, [*args, "--course", str(FIXTURE_COURSE)], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    return outcome


@pytest.mark.slow
def test_export_canvas_from_the_gradebook(gradebook, tmp_path):
    out = tmp_path / "canvas.csv"
    invoke(export, "canvas", "--gradebook", str(gradebook), "--assignment", "toy", "--out", str(out))
    header, points, *students = list(csv.reader(out.open(newline="")))
    assert header[0] == "Student" and points[0] == "Points Possible" and len(students) == 4


@pytest.mark.slow
def test_export_prairielearn_writes_a_file_per_student(gradebook, tmp_path):
    outcome = invoke(export, "prairielearn", "--gradebook", str(gradebook), "--assignment", "toy",
                     "--out", str(tmp_path / "pl"))
    assert len(list((tmp_path / "pl").glob("*.json"))) == 4 and "4 files" in outcome.output


@pytest.mark.slow
def test_report_writes_pages_in_russian(gradebook, tmp_path):
    invoke(report, "--gradebook", str(gradebook), "--assignment", "toy", "--out", str(tmp_path), "--lang", "ru")
    assert '<html lang="ru">' in (tmp_path / "index.html").read_text()
    assert len(list((tmp_path / "feedback").glob("*.html"))) == 4


def test_export_gradescope_writes_the_autograder_zip(tmp_path):
    invoke(export, "gradescope", "toy", "--out", str(tmp_path / "autograder.zip"))
    names = zipfile.ZipFile(tmp_path / "autograder.zip").namelist()
    assert {"setup.sh", "run_autograder", "course/rubrics/toy.yaml"} <= set(names)


def test_an_unknown_assignment_is_a_clear_error(tmp_path):
    outcome = CliRunner().invoke(export, ["gradescope", "nope", "--out", str(tmp_path / "a.zip"),
                                          "--course", str(FIXTURE_COURSE)])
    assert outcome.exit_code != 0 and "unknown assignment 'nope'" in str(outcome.exception or outcome.output)
