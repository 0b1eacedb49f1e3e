"""Every export checked by its target's own rules: JUnit against Jenkins' junit-10.xsd with a real
XSD validator, Gradescope's results.json against a JSON Schema of its published specification,
and Canvas's and Moodle's imports through faithful models of their importers (the rules of
Canvas's GradebookImporter and Moodle's gradeimport_csv and assignfeedback_offline, as their
source code has them). A hand-made class, so no kernel runs: pure functions, fast tier."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from click.testing import CliRunner

from conftest import FIXTURE_COURSE
from exports_support import CANVAS_ROSTER, FULL, HIDDEN_MESSAGE, NOTHING, make_class, result
from grader.commands.export import export
from grader.exports import canvas, csv_json, gradescope, junit, moodle, prairielearn
from grader.exports.common import ExportOptions
from grader.gradebook.store import Gradebook
from grader.intake.roster import load_roster
from grader.report.feedback import render_feedback
from grader.report.points import points as shown
from grader.results import Status

SCHEMAS = Path(__file__).parent / "schemas"


@pytest.fixture(scope="module")
def entries(toy):
    return make_class(toy)


@pytest.fixture
def canvas_roster(tmp_path):
    path = tmp_path / "canvas-roster.csv"
    path.write_text(CANVAS_ROSTER, encoding="utf-8")
    return load_roster(path)


def rows(text: str) -> list[list[str]]:
    assert "\r\n" in text, "RFC 4180 line ends"
    return list(csv.reader(io.StringIO(text)))


# --- JUnit: Jenkins' junit-10.xsd --------------------------------------------------------------

def test_junit_is_valid_against_jenkins_schema(entries, toy):
    text = junit.render(entries, toy).text
    xmlschema.XMLSchema(SCHEMAS / "junit-10.xsd").validate(text)
    assert HIDDEN_MESSAGE not in text


def test_junit_without_sanitising_would_be_invalid(entries, toy):
    """Carl's output holds terminal escapes and a NUL byte, which no XML parser reads: the check
    above proves they were replaced, this one that they were there to replace."""
    assert any("\x1b" in (c.observed or "") for entry in entries for c in entry.result.checks)
    assert "\ufffd[31m6" in junit.render(entries, toy).text


def test_junit_test_names_stay_when_scores_change(toy):
    from grader.gradebook.records import ClassEntry, Student

    def names(fractions) -> list[str]:  # noqa: ANN001
        entry = ClassEntry(student=Student("s", "S"), submission_id="s", result=result(toy, fractions))
        root = ET.fromstring(junit.render([entry], toy).text.encode())
        return [case.get("name") for case in root.iter("testcase")]

    assert names(FULL) == names(NOTHING)
    assert "Hidden check 8" in names(FULL) and not any(re.search(r"\[[\d.]+/\d", name) for name in names(FULL))


def test_junit_points_are_in_each_case_output_and_failure_message(entries, toy):
    root = ET.fromstring(junit.render(entries, toy).text.encode())
    olga = next(suite for suite in root.iter("testsuite") if "Быстрова" in suite.get("name"))
    square = next(case for case in olga.iter("testcase") if case.get("name").startswith("square()"))
    assert square.findtext("system-out") == "0.86/2 points"
    assert square.find("failure").get("message").endswith("(0.86/2 points)")
    assert root.get("skipped") is None and olga.get("skipped") == "1"  # the pending manual check


# --- Gradescope: the published specification ----------------------------------------------------

@pytest.mark.parametrize("hidden_visibility", gradescope.VISIBILITIES)
def test_gradescope_results_follow_the_specification(entries, hidden_visibility):
    schema = json.loads((SCHEMAS / "gradescope-results.schema.json").read_text())
    for entry in entries:
        document = json.loads(gradescope.render(entry.result, hidden_visibility=hidden_visibility))
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_gradescope_hides_the_total_while_a_check_is_unreleased(entries):
    """Gradescope hides the total while a test is not visible; the top-level output must not give
    it (or the pass verdict) away, or visible points subtracted from it tell the hidden score."""
    olga = entries[1].result
    for visibility in ("after_due_date", "after_published", "hidden"):
        document = gradescope.results(olga, hidden_visibility=visibility)
        output = document["output"]
        assert f"{shown(olga.score)}/" not in output and "passed" not in output and "pass mark" not in output
        visible = [t for t in document["tests"] if t["visibility"] == "visible"]
        assert f"{shown(sum(t['score'] for t in visible))}/{shown(sum(t['max_score'] for t in visible))}" in output
    assert document["output"].count("1 more checks") == 1
    released = gradescope.results(olga, hidden_visibility="visible")["output"]
    assert released.startswith(f"{shown(olga.score)}/14 (graded, passed)")


# --- PrairieLearn and CSV: consistent at the displayed rounding --------------------------------

def test_prairielearn_score_agrees_with_the_points_it_shows(entries):
    olga = entries[1].result
    document = prairielearn.results(olga)
    automatic = sum(t["max_points"] for t in document["tests"])
    assert shown(document["score"] * automatic) == shown(olga.score) == "10.86"
    assert document["message"].startswith("10.86/14")
    assert [t["points"] for t in document["tests"]] == [round(c.points, 2) for c in olga.checks[:-1]]


def test_csv_percent_and_score_agree_with_the_feedback_page(entries, toy):
    header, *body = rows(csv_json.render_csv(entries, toy).text)
    for row, entry in zip(body, entries):
        record = dict(zip(header, row))
        page = render_feedback(entry.result, toy.spec, student_view=False)
        page_score = re.search(r'id="score">([\d.]+) / ([\d.]+)<', page)
        assert page_score is not None and float(record["score"]) == float(page_score.group(1))
        assert float(record["percent"]) == round(100 * float(record["score"]) / float(record["max_score"]), 2)
        for check in toy.rubric.checks:
            assert float(record[check.id]) == float(shown(next(c.points for c in entry.result.checks
                                                              if c.id == check.id)))


# --- Canvas: a model of its gradebook importer -------------------------------------------------

@dataclass
class CanvasUser:
    id: int
    name: str
    sortable_name: str
    sis_user_id: str
    login_id: str


CANVAS_USERS = [CanvasUser(1001, "Alice Archer", "Archer, Alice", "S-1001", "aarcher"),
                CanvasUser(1002, "Ольга Быстрова", "Быстрова, Ольга", "S-1002", "obystrova"),
                CanvasUser(1003, "Carl Crash", "Crash, Carl", "S-1003", "ccrash"),
                CanvasUser(1004, "Dana Draft", "Draft, Dana", "S-1004", "ddraft"),
                CanvasUser(1005, "Erin Error", "Error, Erin", "S-1005", "eerror")]
CANVAS_ASSIGNMENTS = {4242: "Toy assignment for the grader's own tests"}


@dataclass
class CanvasImport:
    assignment: int | str                   # the id it fills, or "new: <title>"
    points_possible: str | None
    grades: dict[int, str] = field(default_factory=dict)       # Canvas user id -> posted grade
    unmatched: list[str] = field(default_factory=list)         # names Canvas asks the instructor about


def canvas_import(text: str) -> CanvasImport:
    """Canvas's GradebookImporter (app/models/gradebook_importer.rb) for one assignment column:
    header rules, Points Possible row, assignment by `Title (id)` then by title, students by ID,
    SIS User ID, SIS Login ID, then name or sortable name."""
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "Invalid header row"
    student_columns, sis_user, sis_login = 3, None, None
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns, sis_login = 4, 2
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns, sis_user, sis_login = 5, 2, 3
    assert "Section" in header[student_columns - 1], "Invalid header row"
    (column,) = header[student_columns:]
    titled = re.fullmatch(r"(.*)\s\((\d+)\)", column)
    if titled and int(titled[2]) in CANVAS_ASSIGNMENTS:
        assignment: int | str = int(titled[2])
    else:
        assignment = next((i for i, title in CANVAS_ASSIGNMENTS.items() if title == column), f"new: {column}")
    outcome = CanvasImport(assignment, None)
    for line in lines:
        if "Points Possible" in line[0]:
            outcome.points_possible = line[student_columns]
            continue
        digits = re.match(r"\d+", line[1].strip())
        user = next((u for u in CANVAS_USERS if digits and u.id == int(digits[0])), None)
        user = user or next((u for u in CANVAS_USERS if sis_user is not None and line[sis_user]
                             and u.sis_user_id == line[sis_user]), None)
        user = user or next((u for u in CANVAS_USERS if sis_login is not None and line[sis_login]
                             and u.login_id == line[sis_login]), None)
        user = user or next((u for u in CANVAS_USERS if line[0] in (u.name, u.sortable_name)), None)
        if user is None:
            outcome.unmatched.append(line[0])
        else:
            outcome.grades[user.id] = line[student_columns].strip()
    return outcome


def test_canvas_with_its_roster_matches_every_student_by_id(entries, toy, canvas_roster):
    rendered = canvas.render(entries, toy, ExportOptions(roster=canvas_roster, canvas_assignment_id="4242"))
    header, _, *body = rows(rendered.text)
    assert header[-1] == "Toy assignment for the grader's own tests (4242)"
    assert [row[1:4] for row in body] == [["1001", "S-1001", "aarcher"], ["1002", "S-1002", "obystrova"],
                                          ["1003", "S-1003", "ccrash"]]
    imported = canvas_import(rendered.text)
    assert imported.assignment == 4242 and float(imported.points_possible or "") == 14 and not imported.unmatched
    assert {user: float(grade) for user, grade in imported.grades.items()} == {1001: 14, 1002: 10.86, 1003: 0}


def test_canvas_leaves_held_back_grades_out_so_canvas_keeps_them(entries, toy, canvas_roster):
    """Dana needs review and Erin's grading failed: a blank cell would clear the grade Canvas
    holds, so their rows are not there at all, and the warning says so."""
    rendered = canvas.render(entries, toy, ExportOptions(roster=canvas_roster))
    assert set(canvas_import(rendered.text).grades) == {1001, 1002, 1003}
    (left_out,) = [w for w in rendered.warnings if w.startswith("Left out")]
    assert "Dana Draft (7004)" in left_out and "Erin Error (erin)" in left_out


def test_canvas_without_a_roster_warns_of_every_student_it_cannot_match(entries, toy):
    rendered = canvas.render(entries, toy)
    imported = canvas_import(rendered.text)
    assert imported.assignment == 4242, "a header equal to the title fills that assignment"
    assert imported.grades.keys() == {1001, 1002}  # the Canvas download's user id; Olga by her name alone
    (warning,) = [w for w in rendered.warnings if w.startswith("Canvas cannot match")]
    assert "Ольга Быстрова (7002)" in warning and "carl (carl)" in warning and "--roster" in warning
    assert imported.unmatched == ["carl"], "Canvas asks the instructor about him"
    body = rows(rendered.text)[2:]
    assert all(row[1] in ("", "1001") for row in body), "a file name is never put in the ID column"


def test_canvas_creates_an_assignment_only_for_a_title_it_does_not_know(entries, toy):
    other = canvas.render(entries, toy, ExportOptions(canvas_assignment_id="9999")).text
    assert canvas_import(other).assignment == "new: Toy assignment for the grader's own tests (9999)"


# --- Moodle: models of its gradebook CSV import and the assignment's grading worksheet ----------

MOODLE_USERS = [  # Moodle user id, ID number, username, email
    (11, "ST-1001", "aarcher", "alice@example.org"), (12, "ST-7002", "obystrova", "olga@example.org"),
    (13, "ST-0003", "ccrash", "carl@example.org"), (14, "ST-7004", "ddraft", "dana@example.org")]
MOODLE_PARTICIPANTS = {7002: 12, 7004: 14}  # the assignment's participant ids (its download names)
MOODLE_ROSTER = ("ID number,Full name,Username,Email address\r\n"
                 "ST-1001,Alice Archer,aarcher,alice@example.org\r\nST-7002,Ольга Быстрова,obystrova,olga@example.org\r\n"
                 "ST-0003,carl,ccrash,carl@example.org\r\nST-7004,Dana Draft,ddraft,dana@example.org\r\n")


def moodle_gradebook_import(text: str, map_from: str) -> dict[int, tuple[str | None, str]]:
    """gradeimport_csv's load_data: the mapped identifier finds the user (a value it cannot find
    aborts the whole import; a blank one leaves the previous row's user); a blank grade is null."""
    field_of = {"ID number": 1, "Username": 2, "Email address": 3}[map_from]
    header, *lines = list(csv.reader(io.StringIO(text)))
    grades: dict[int, tuple[str | None, str]] = {}
    student = None
    for line in lines:
        record = dict(zip(header, line))
        if record[map_from]:
            found = [user for user in MOODLE_USERS if user[field_of] == record[map_from]]
            if not found:
                raise AssertionError(f"import aborted: no user with {map_from} {record[map_from]!r}")
            student = found[0][0]
        if student is None:
            raise AssertionError("import aborted: user not found")
        grades[student] = (record[header[4]] or None, record[header[5]])
    return grades


def test_moodle_gradebook_import_never_aborts_and_carries_per_check_feedback(entries, toy, tmp_path):
    (tmp_path / "roster.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    rendered = moodle.render(entries, toy, ExportOptions(roster=load_roster(tmp_path / "roster.csv")))
    for map_from in ("ID number", "Username", "Email address"):
        grades = moodle_gradebook_import(rendered.text, map_from)
        assert set(grades) == {11, 12, 13}, map_from  # Dana and Erin held back
    grade, feedback = moodle_gradebook_import(rendered.text, "Email address")[12]
    assert grade == "10.86" and feedback.splitlines()[0].startswith("10.86/14 (graded, passed)")
    assert "- square() squares element-wise: 0.86/2 partial: as expected Expected: 9" in feedback
    assert "- Hidden check 8: 3/3 passed" in feedback and "- Written discussion: graded by hand" in feedback


def test_moodle_without_a_roster_leaves_out_who_it_cannot_match(entries, toy):
    """A file name in `ID number` would abort Moodle's import (or land on someone else's grade)."""
    rendered = moodle.render(entries, toy)
    assert set(moodle_gradebook_import(rendered.text, "Email address")) == {12}  # Olga's e-mail is known
    (unmatched,) = [w for w in rendered.warnings if "cannot match" in w]
    assert "Alice Archer (1001)" in unmatched and "carl (carl)" in unmatched and "moodle-worksheet" in unmatched
    assert all(row[0] == "" for row in rows(rendered.text)[1:]), "no ID number is guessed"


def moodle_worksheet_import(text: str, grades: dict[int, float]) -> tuple[dict[int, float], dict[int, str]]:
    """assignfeedback_offline: columns Identifier, Grade and Last modified (grade) are required;
    `Participant <id>` finds the user; a blank grade is skipped; feedback comes from the column
    named `Feedback comments` (never the first column); grades change only when different."""
    header, *lines = list(csv.reader(io.StringIO(text)))
    index = {name: header.index(name) for name in ("Identifier", "Grade", "Last modified (grade)")}
    feedback_at = header.index("Feedback comments")
    assert feedback_at > 0, "Moodle ignores a feedback column at index 0"
    grades, comments = dict(grades), {}
    for line in lines:
        user = MOODLE_PARTICIPANTS.get(int(line[index["Identifier"]].removeprefix("Participant ")))
        if user is None:
            continue
        datetime.fromisoformat(line[index["Last modified (grade)"]])  # strtotime reads ISO 8601
        if line[index["Grade"]] != "":
            grades[user] = float(line[index["Grade"]])
        comments[user] = line[feedback_at]
    return grades, comments


def test_moodle_worksheet_matches_participants_without_a_roster(entries, toy):
    rendered = moodle.render_worksheet(entries, toy, ExportOptions(exported_at=datetime(2026, 11, 21, tzinfo=UTC)))
    grades, comments = moodle_worksheet_import(rendered.text, {14: 8.0})
    assert grades == {12: 10.86, 14: 8.0}, "Dana needs review: her grade in Moodle stays"
    assert "needs-review" in comments[14] and comments[12].startswith("10.86/14")
    assert any("Alice Archer (1001)" in w for w in rendered.warnings)


# --- the CLI: --roster, --assignment-id, warnings on stderr -------------------------------------

def test_export_canvas_cli_takes_the_roster_and_assignment_id(entries, tmp_path):
    book = tmp_path / "gradebook.sqlite"
    with Gradebook.open(book) as gradebook:
        for entry in entries:
            stored = gradebook.add_submission("toy", entry.student, entry.submission_id, entry.submission_id, b"{}",
                                              source=entry.source, submitted_at=entry.submitted_at)
            gradebook.record_result(stored.id, entry.result, observations=None, probes=None)
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    base = ["--gradebook", str(book), "--assignment", "toy", "--course", str(FIXTURE_COURSE)]
    outcome = CliRunner().invoke(export, ["canvas", *base, "--out", str(tmp_path / "a.csv"), "--assignment-id", "4242",
                                          "--roster", str(tmp_path / "roster.csv")], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    assert canvas_import((tmp_path / "a.csv").read_text()).grades.keys() == {1001, 1002, 1003}
    assert "warning: Left out 2 students" in outcome.stderr and "Canvas cannot match" not in outcome.stderr
    bare = CliRunner().invoke(export, ["canvas", *base, "--out", str(tmp_path / "b.csv")], catch_exceptions=False)
    assert "warning: Canvas cannot match 2 students" in bare.stderr and "warning" not in bare.stdout


def test_statuses_are_what_the_class_holds(entries):
    assert {entry.result.status for entry in entries} == {Status.GRADED, Status.CRASHED, Status.NEEDS_REVIEW,
                                                          Status.ERROR}
