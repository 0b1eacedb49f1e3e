"""Late penalties: the rule in assignment.yaml (validated with file and line), the pure function
of (score, submission time, rule) at every edge, the record grade.json keeps, the line on the
feedback page, manual points entered later, and every export's score. Fast tier."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import FIXTURE_COURSE
from exports_support import PARTIAL, make_class, result
from grader.course import load_assignment
from grader.errors import SpecError
from grader.exports import canvas, csv_json, gradescope, junit, moodle, prairielearn
from grader.gradebook.store import Gradebook
from grader.late import days_late, deduction, penalised, reapplied, submission_time
from grader.report.feedback import render_feedback
from grader.results import GradeResult, Status
from grader.spec.assignment import Late

RULE = Late.model_validate({"deadline": "2026-11-20T23:59:00+01:00", "per_day": 0.1, "cap": 0.5, "grace": "15m"})
DEADLINE = RULE.deadline


def at(delta: timedelta) -> datetime:
    return DEADLINE + delta


@pytest.mark.parametrize(("delta", "days"), [
    (timedelta(hours=-5), 0),                      # on time
    (timedelta(0), 0),                             # at the deadline
    (timedelta(minutes=15), 0),                    # at the end of the grace period
    (timedelta(minutes=15, seconds=1), 1),         # just past it: a day begun
    (timedelta(days=1), 1),                        # exactly a day
    (timedelta(days=1, seconds=1), 2),
    (timedelta(days=1, hours=12), 2),              # 1.5 days is 2 days
    (timedelta(days=9), 9),
])
def test_days_late_count_every_day_begun_after_the_grace_period(delta, days):
    assert days_late(at(delta), RULE) == days


def test_the_deduction_is_per_day_of_the_score_and_stops_at_the_cap():
    assert deduction(10.0, at(timedelta(minutes=10)), RULE) is None
    two_days = deduction(10.0, at(timedelta(days=1, hours=12)), RULE)
    assert two_days is not None and (two_days.days_late, two_days.fraction, two_days.deducted) == (2, 0.2, 2.0)
    capped = deduction(10.0, at(timedelta(days=6)), RULE)
    assert capped is not None and (capped.fraction, capped.deducted, capped.score_before) == (0.5, 5.0, 10.0)
    assert deduction(0.0, at(timedelta(days=3)), RULE).deducted == 0.0  # never below nothing


def test_times_without_a_zone_are_read_in_the_deadline_offset_or_the_rule_timezone():
    """Zip member times (what LMS downloads carry) have no zone."""
    assert submission_time("2026-11-21T00:10:00", RULE) == at(timedelta(minutes=11))
    assert submission_time("2026-11-20T23:10:00+00:00", RULE) == at(timedelta(minutes=11))
    berlin = RULE.model_copy(update={"timezone": "Europe/Berlin"})
    assert submission_time("2026-11-21T00:10:00", berlin) == at(timedelta(minutes=11))
    tokyo = RULE.model_copy(update={"timezone": "Asia/Tokyo"})
    assert days_late(submission_time("2026-11-21T08:10:00", tokyo), tokyo) == 0  # 00:10 in Berlin
    assert submission_time(None, RULE) is None and submission_time("yesterday", RULE) is None


def test_penalised_keeps_the_score_before_in_the_result_and_grade_json(toy):
    raw = result(toy, PARTIAL)
    late = penalised(raw, RULE, "2026-11-22T11:00:00+01:00")
    assert late.late is not None and late.late.score_before == raw.score == 10.8571
    assert late.score == pytest.approx(raw.score * 0.8, abs=1e-4) and late.late.days_late == 2
    document = late.to_dict()
    assert document["late"]["score_before"] == 10.8571 and document["score"] == late.score
    assert GradeResult.from_dict(json.loads(json.dumps(document))) == late
    assert "late" not in raw.to_dict(), "an on-time grade.json is as it was"


def test_no_penalty_without_a_rule_a_time_or_anything_earned(toy):
    raw = result(toy, PARTIAL)
    assert penalised(raw, None, "2026-11-30T00:00:00+01:00") is raw
    assert penalised(raw, RULE, None) is raw
    assert penalised(raw, RULE, "2026-11-20T12:00:00+01:00") is raw
    failed = result(toy, PARTIAL, status=Status.ERROR)
    assert penalised(failed, RULE, "2026-11-30T00:00:00+01:00") is failed


def test_manual_points_entered_later_are_penalised_alike(toy, tmp_path):
    late = penalised(result(toy, PARTIAL), RULE, "2026-11-21T12:00:00+01:00")  # 1 day: 10%
    entry = make_class(toy)[1]
    book = tmp_path / "gradebook.sqlite"
    with Gradebook.open(book) as gradebook:
        stored = gradebook.add_submission("toy", entry.student, "olga", "sha", b"{}", source=entry.source,
                                          submitted_at="2026-11-21T12:00:00+01:00")
        gradebook.record_result(stored.id, late, observations=None, probes=None)
        gradebook.set_manual("toy", entry.student.id, "review", 2.0)
        (current,) = gradebook.class_entries("toy")
    assert current.result.late.score_before == pytest.approx(12.8571)
    assert current.result.score == pytest.approx(12.8571 * 0.9, abs=1e-4)
    assert reapplied(current.result).score != current.result.score, "reapplied takes a raw score, once"


def test_the_page_shows_the_penalty_line(toy):
    late = penalised(result(toy, PARTIAL), RULE, "2026-11-22T11:00:00+01:00")
    page = render_feedback(late, toy.spec, student_view=False)
    assert ("submitted 2026-11-22 11:00:00+01:00, 2 days after the deadline (2026-11-20 23:59:00+01:00): "
            "20% of 10.86 points deducted, 2.17 points.") in page
    assert 'id="score">8.69 / 14<' in page
    one_day = render_feedback(penalised(result(toy, PARTIAL), RULE, "2026-11-21T10:00:00+01:00"), toy.spec,
                              student_view=False, lang="ru")
    assert "через 1 день после срока" in one_day and "Работа сдана с опозданием" in one_day
    assert 'id="late-penalty"' not in render_feedback(result(toy, PARTIAL), toy.spec, student_view=False)


def test_every_export_ships_the_penalised_score(toy):
    entries = make_class(toy)[:2]
    entries[1].result = penalised(entries[1].result, RULE, "2026-11-22T11:00:00+01:00")
    expected = "8.69"
    assert f",{expected}," in csv_json.render_csv(entries, toy).text
    assert json.loads(csv_json.render_json(entries, toy).text)["students"][1]["score"] == 8.69
    assert canvas.render(entries, toy).text.splitlines()[-1].endswith(f",{expected}")
    assert f",{expected}," in moodle.render(entries, toy).text  # Olga's row, matched by her e-mail
    assert f'name="score" value="{expected}"' in junit.render(entries, toy).text
    assert gradescope.results(entries[1].result)["score"] == 8.69
    assert prairielearn.results(entries[1].result)["message"].startswith("8.69/14")
    assert ("Late: submitted 2026-11-22T11:00:00+01:00, 2 days after the deadline (2026-11-20T23:59:00+01:00): "
            "20% of 10.86 points deducted, 2.17 points.") in moodle.render(entries, toy).text


@pytest.fixture
def course(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


def with_late(course: Path, block: str) -> None:
    spec = course / "assignments" / "toy" / "assignment.yaml"
    spec.write_text(spec.read_text() + block)


def test_the_rule_loads_from_assignment_yaml(course):
    with_late(course, "late:\n  deadline: 2026-11-20T23:59:00+01:00\n  per_day: 0.1\n  cap: 0.5\n  grace: 15m\n")
    late = load_assignment("toy", root=course).spec.late
    assert late is not None and late.deadline.utcoffset() == timedelta(hours=1)
    assert late.grace == timedelta(minutes=15) and late.cap == 0.5
    assert late.deadline.tzinfo is not None and late.deadline == datetime(2026, 11, 20, 22, 59, tzinfo=UTC)


@pytest.mark.parametrize(("block", "message"), [
    ("late:\n  deadline: 2026-11-20T23:59:00\n  per_day: 0.1\n", ":21: late.deadline: Input should have timezone"),
    ("late:\n  deadline: 2026-11-20T23:59:00Z\n  per_day: 1.5\n", ":22: late.per_day: Input should be less than"),
    ("late:\n  deadline: 2026-11-20T23:59:00Z\n  per_day: 0.1\n  grace: soon\n", ":23: late.grace: Value error, not a "
                                                                               "duration: 'soon'"),
    ("late:\n  deadline: 2026-11-20T23:59:00Z\n  per_day: 0.1\n  timezone: Mars/Olympus\n",
     ":23: late.timezone: Value error, unknown timezone 'Mars/Olympus'"),
    ("late:\n  deadline: 2026-11-20T23:59:00Z\n  per_day: 0.1\n  penalty: 3\n", ":23: late.penalty"),
])
def test_a_bad_rule_is_named_by_file_and_line(course, block, message):
    with_late(course, block)
    with pytest.raises(SpecError) as error:
        load_assignment("toy", root=course)
    assert "assignment.yaml" in str(error.value) and message in str(error.value), str(error.value)


def test_exports_from_the_gradebook_apply_the_rule_to_the_lms_time(course, tmp_path):
    """Graded without a penalty, exported with the assignment's rule: the gradebook entry takes it
    from the zip member's time (no zone: read in the deadline's offset), after manual points."""
    from click.testing import CliRunner

    from grader.commands.export import export

    with_late(course, "late:\n  deadline: 2026-11-20T23:59:00+01:00\n  per_day: 0.1\n  cap: 0.5\n  grace: 15m\n")
    toy = load_assignment("toy", root=course)
    entry = make_class(toy)[1]
    book = tmp_path / "gradebook.sqlite"
    with Gradebook.open(book) as gradebook:
        stored = gradebook.add_submission("toy", entry.student, "olga", "sha", b"{}", source=entry.source,
                                          submitted_at="2026-11-22T11:00:00")
        gradebook.record_result(stored.id, entry.result, observations=None, probes=None)
        gradebook.set_manual("toy", entry.student.id, "review", 1.0)
        (current,) = gradebook.class_entries("toy", late=toy.spec.late)
    assert current.result.late.days_late == 2 and current.result.late.score_before == pytest.approx(11.8571)
    out = tmp_path / "grades.csv"
    outcome = CliRunner().invoke(export, ["csv", "--gradebook", str(book), "--assignment", "toy", "--course",
                                          str(course), "--out", str(out)], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    assert ",9.49,14.0,67.79," in out.read_text()  # 11.8571 less 20%: 9.4857


@pytest.mark.slow
def test_grading_a_class_applies_the_rule_to_the_export_zip_time(course, local_sandbox, tmp_path):
    """One real grading (a toy notebook in a kernel) from a Canvas download zip: the intake reads
    the member's time, the batch hands it to the pipeline, which takes the penalty before it writes
    grade.json (keeping the score before it) and feedback.html, and the gradebook stores it."""
    import zipfile

    from conftest import TOY_GOOD, make_notebook
    from grader.batch.session import ClassOptions, grade_class_from_paths

    with_late(course, "late:\n  deadline: 2026-11-20T23:59:00Z\n  per_day: 0.25\n")
    notebook = make_notebook(tmp_path / "lab.ipynb", TOY_GOOD)
    export = tmp_path / "submissions.zip"
    with zipfile.ZipFile(export, "w") as archive:  # a zip's times have no zone: read as the deadline's (UTC)
        archive.writestr(zipfile.ZipInfo("archeralice_1001_5501_lab1.ipynb", (2026, 11, 21, 8, 0, 0)),
                         notebook.read_bytes())
    options = ClassOptions(assignment=load_assignment("toy", root=course), paths=[export], out=tmp_path / "out",
                           gradebook=tmp_path / "gradebook.sqlite", sandbox="local", show_progress=False)
    summary = grade_class_from_paths(options)
    (graded,) = summary.outcome.results.values()
    document = json.loads(next((tmp_path / "out").glob("*/grade.json")).read_text())
    assert document["late"]["days_late"] == 1 and document["late"]["score_before"] == 12.0
    assert document["score"] == graded.score == 9.0
    assert document["late"]["submitted_at"] == "2026-11-21T08:00:00+00:00"
    assert 'id="late-penalty"' in next((tmp_path / "out").glob("*/feedback.html")).read_text()
