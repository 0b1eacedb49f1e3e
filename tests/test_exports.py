"""Every export format checked against its own specification, from a class graded for real."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from class_support import grade_class
from conftest import REPO, TOY_GOOD, make_notebook
from grader.exports import (
    CLASS_FORMATS,
    SUBMISSION_FORMATS,
    canvas,
    csv_json,
    export_class,
    gradescope,
    junit,
    moodle,
    prairielearn,
)
from grader.exports.common import ExportOptions
from grader.exports.gradescope_zip import build_autograder_zip
from grader.filenames import safe_file_name
from grader.results import Status

pytestmark = pytest.mark.slow  # a class graded in real kernels; the Gradescope runs grade again

HIDDEN_MESSAGE = "Your classifier does not generalise well enough."


@pytest.fixture(scope="session")
def entries(toy, local_sandbox, tmp_path_factory):
    return grade_class(toy, local_sandbox, tmp_path_factory.mktemp("class"))


def rows(text: str) -> list[list[str]]:
    assert "\r\n" in text, "RFC 4180 line ends"
    return list(csv.reader(io.StringIO(text)))


def test_the_class_is_varied(entries):
    """The fixtures below mean something only if the class holds every kind of outcome."""
    statuses = {entry.result.status for entry in entries}
    assert {Status.GRADED, Status.UNGRADABLE} <= statuses
    assert len({entry.result.score for entry in entries}) == len(entries)


def test_plain_csv_has_a_row_per_student_and_a_column_per_check(entries, toy):
    header, *body = rows(csv_json.render_csv(entries, toy).text)
    assert header[:len(csv_json.STUDENT_COLUMNS)] == csv_json.STUDENT_COLUMNS
    assert header[len(csv_json.STUDENT_COLUMNS):] == [check.id for check in toy.rubric.checks]
    assert [row[0] for row in body] == [entry.student.id for entry in entries]
    for row, entry in zip(body, entries):
        record = dict(zip(header, row))
        assert float(record["score"]) == pytest.approx(entry.result.score, abs=0.01)
        assert 0 <= float(record["percent"]) <= 100
        assert record["passed"] in ("true", "false")
        assert sum(float(record[c.id]) for c in toy.rubric.checks) == pytest.approx(entry.result.score, abs=0.05)


def test_plain_json_round_trips_scores(entries, toy):
    document = json.loads(csv_json.render_json(entries, toy).text)
    assert document["assignment"] == "toy" and document["max_score"] == toy.rubric.max_points
    assert [c["id"] for c in document["checks"]] == [c.id for c in toy.rubric.checks]
    for student, entry in zip(document["students"], entries):
        assert student["student_id"] == entry.student.id and student["status"] == entry.result.status.value
        assert sum(c["points"] for c in student["checks"].values()) == pytest.approx(entry.result.score, abs=0.05)


def test_canvas_csv_follows_the_gradebook_import_format(entries, toy):
    rendered = canvas.render(entries, toy, ExportOptions(canvas_assignment_id="4242"))
    header, points_row, *body = rows(rendered.text)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{toy.spec.title} (4242)"]
    assert points_row[0] == "Points Possible" and points_row[1:5] == ["", "", "", ""]
    assert float(points_row[5]) == toy.rubric.max_points
    for row, entry in zip(body, entries):
        assert row[0] == entry.student.name and row[1:4] == ["", "", ""], "file names are no Canvas ids"
        assert 0 <= float(row[5]) <= toy.rubric.max_points
    (warning,) = rendered.warnings
    assert warning.startswith(f"Canvas cannot match {len(entries)} students")


def test_canvas_leaves_infrastructure_failures_out(entries, toy):
    failed = replace(entries[0], result=replace(entries[0].result, status=Status.ERROR))
    rendered = canvas.render([failed], toy)
    header, _ = rows(rendered.text)
    assert header[-1] == toy.spec.title and "Left out 1 students" in rendered.warnings[-1]


def test_moodle_csv_has_identifiers_a_numeric_grade_and_feedback(entries, toy):
    rendered = moodle.render(entries, toy)
    header, *body = rows(rendered.text)
    assert header[:4] == moodle.IDENTITY_COLUMNS and header[4] == toy.spec.title
    assert header[5].endswith("(feedback)")
    with_email = [entry for entry in entries if entry.student.email]
    assert len(body) == len(with_email) and "Carl Crash (carl@example.org)" in rendered.warnings[0]
    for row, entry in zip(body, with_email):
        assert row[2] == (entry.student.email or "")
        assert 0 <= float(row[4]) <= toy.rubric.max_points
        assert f"{round(entry.result.score, 2):g}/14" in row[5]
        assert HIDDEN_MESSAGE not in row[5]


@pytest.mark.parametrize("hidden_visibility", ["after_due_date", "hidden"])
def test_gradescope_results_follow_the_spec(entries, hidden_visibility):
    for entry in entries:
        document = json.loads(gradescope.render(entry.result, hidden_visibility=hidden_visibility))
        assert document["score"] == pytest.approx(entry.result.score, abs=0.01)
        assert isinstance(document["execution_time"], int)
        assert document["visibility"] in gradescope.VISIBILITIES and document["output_format"] == "text"
        assert sum(test["score"] for test in document["tests"]) == pytest.approx(document["score"], abs=0.05)
        for test in document["tests"]:
            assert {"name", "score", "max_score", "status", "output", "visibility"} <= test.keys()
            assert 0 <= test["score"] <= test["max_score"] and test["status"] in ("passed", "failed")
            assert test["visibility"] in gradescope.VISIBILITIES
        hidden = [test for test in document["tests"] if test["name"].startswith("Hidden check")]
        assert hidden and all(test["visibility"] == hidden_visibility for test in hidden)
        assert "Written discussion" not in {test["name"] for test in document["tests"]}, "manual checks are Gradescope's"
        assert HIDDEN_MESSAGE not in json.dumps(document) and "held-out" not in json.dumps(document)


def test_gradescope_refuses_an_unknown_visibility(entries):
    with pytest.raises(ValueError, match="after_due_date"):
        gradescope.results(entries[0].result, hidden_visibility="sometimes")


def test_prairielearn_results_follow_the_spec(entries):
    for entry in entries:
        document = prairielearn.results(entry.result)
        assert isinstance(document["gradable"], bool) and 0 <= document["score"] <= 1
        assert isinstance(document["message"], str)
        for test in document["tests"]:
            assert {"name", "points", "max_points", "message", "output"} <= test.keys()
            assert 0 <= test["points"] <= test["max_points"]
        assert HIDDEN_MESSAGE not in json.dumps(document)
        if entry.result.status is Status.UNGRADABLE:
            assert document["gradable"] is False and document["format_errors"]
    good = prairielearn.results(entries[0].result)
    assert good["score"] == 1.0, "full automatic marks: the pending manual check is PrairieLearn's to grade"


def test_junit_xml_has_a_suite_per_student_and_a_case_per_check(entries, toy):
    root = ET.fromstring(junit.render(entries, toy).text.encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == len(entries)
    for suite, entry in zip(suites, entries):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        for counter, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            assert int(suite.get(counter)) == sum(case.find(tag) is not None for case in cases)
        assert all(case.get("name") and case.get("classname") for case in cases)
        float(suite.get("time"))
        failed = {c.id for c in entry.result.checks if c.status.value in ("failed", "partial")}
        assert int(suite.get("failures")) == len(failed)
        assert int(suite.get("skipped")) == sum(c.status.value == "pending" for c in entry.result.checks)
        assert int(suite.get("errors")) == (entry.result.status is not Status.GRADED)
        properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
        assert properties["student_id"] == entry.student.id
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)
    assert HIDDEN_MESSAGE not in junit.render(entries, toy).text


def test_submission_formats_write_one_file_per_student(entries, toy, tmp_path):
    written = export_class("gradescope-results", entries, toy, tmp_path / "gs").files
    assert sorted(p.name for p in written) == sorted(f"{safe_file_name(e.student.id)}.json" for e in entries)
    assert all(json.loads(p.read_text())["tests"] for p in written)
    for name, fmt in CLASS_FORMATS.items():
        (path,) = export_class(name, entries, toy, tmp_path / f"class{fmt.suffix}").files
        assert path.stat().st_size > 50  # a header at least (the Moodle worksheet has no row for plain files)
    assert set(SUBMISSION_FORMATS) == {"gradescope-results", "prairielearn"}


def test_safe_file_names_never_collide():
    names = {safe_file_name(text) for text in ("a@b", "a_b", "a b", "../a", "a.b")}
    assert len(names) == 5 and not any("/" in name or name.startswith(".") for name in names)


@pytest.fixture(scope="module")
def autograder(toy, tmp_path_factory) -> Path:
    """The Gradescope zip unpacked the way Gradescope does, into <root>/source."""
    zipped = build_autograder_zip(toy, tmp_path_factory.mktemp("zip") / "autograder.zip")
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(zipped) as archive:
        for info in archive.infolist():
            archive.extract(info, root / "source")
            mode = info.external_attr >> 16
            if mode:
                os.chmod(root / "source" / info.filename, stat.S_IMODE(mode))
    return root


def test_autograder_zip_holds_scripts_grader_and_course(autograder):
    source = autograder / "source"
    for script in ("setup.sh", "run_autograder"):
        assert os.access(source / script, os.X_OK), f"{script} must be executable"
        assert (source / script).read_text().startswith("#!/usr/bin/env bash")
        assert subprocess.run(["bash", "-n", str(source / script)]).returncode == 0, f"{script} is valid bash"
    setup = (source / "setup.sh").read_text()
    assert "/autograder/source/grader-src" in setup and "pip install" in setup
    assert "python3.11 -m venv /autograder/venv" in setup, "the grader needs Python 3.11"
    run = (source / "run_autograder").read_text()
    assert "/autograder" in run and "results/results.json" in run and "--assignment toy" in run
    assert (source / "grader-src" / "pyproject.toml").is_file()
    assert (source / "grader-src" / "grader" / "exports" / "autograder.py").is_file()
    assert not list(source.rglob("__pycache__"))
    assert (source / "course" / "assignments" / "toy" / "assignment.yaml").is_file()
    assert "hidden-accuracy" in (source / "course" / "rubrics" / "toy.yaml").read_text()
    assert not list(source.rglob("reference_solutions"))


def run_autograder(root: Path, *notebooks: list) -> dict:
    submission = root / "submission"
    submission.mkdir(exist_ok=True)
    for old in submission.glob("*.ipynb"):
        old.unlink()
    for number, cells in enumerate(notebooks):
        make_notebook(submission / f"lab{number}.ipynb", cells)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable,
           "PYTHONPATH": str(root / "source" / "grader-src")}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300, cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_a_submission_with_the_bundled_grader(autograder):
    results = run_autograder(autograder, TOY_GOOD)
    assert results["score"] == 12 and len(results["tests"]) == 8
    assert all(test["status"] == "passed" for test in results["tests"])


def test_run_autograder_explains_a_wrong_upload(autograder):
    results = run_autograder(autograder, TOY_GOOD, TOY_GOOD)
    assert results["score"] == 0 and "exactly one .ipynb" in results["output"]


def test_the_zip_runs_the_bundled_source_not_the_checkout(autograder):
    """PYTHONPATH in the test points at the zip's copy; make sure that copy is a whole package."""
    bundled = {p.relative_to(autograder / "source" / "grader-src").as_posix()
               for p in (autograder / "source" / "grader-src" / "grader").rglob("*.py")}
    here = {p.relative_to(REPO).as_posix() for p in (REPO / "grader").rglob("*.py")}
    assert bundled == here
