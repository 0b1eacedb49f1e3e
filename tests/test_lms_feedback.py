"""Feedback out through the LMS: the Moodle feedback-files zip read by a model of Moodle's own
importer (assignfeedback_file's is_valid_filename_for_import), and the Canvas comments file in the
shape Canvas's submissions API takes. Fast tier: a hand-made class, the real feedback pages."""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_COURSE
from exports_support import CANVAS_ROSTER, HIDDEN_MESSAGE, make_class
from grader.commands.export import export
from grader.exports import export_class
from grader.exports.common import ExportOptions
from grader.exports.lms_feedback import canvas_comments, moodle_folder
from grader.gradebook.store import Gradebook
from grader.intake.names import origin_of
from grader.intake.roster import load_roster

MOODLE_PARTICIPANTS = {7002: "olga", 7004: "dana"}      # the assignment's participant ids -> users
MOODLE_PLUGINS = {("assignsubmission", "file"), ("assignsubmission", "onlinetext"), ("assignfeedback", "file")}


def moodle_feedback_import(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """Moodle's assignfeedback_file zip import: for each file not hidden (`.`, `~`), each part of
    its path split at `_` into at most 5 pieces; the first part with 4+ pieces, a numeric second
    piece that is a participant and a known plugin names the user, and the rest of the path is
    the feedback file's name."""
    files: dict[str, list[str]] = {}
    for member in archive.namelist():
        if member.endswith("/") or member.split("/")[-1].startswith((".", "~")):
            continue
        parts = member.split("/")
        while parts:
            info = parts.pop(0).split("_", 4)
            if len(info) < 4 or not info[1].isdigit() or int(info[1]) not in MOODLE_PARTICIPANTS:
                continue
            if (info[2], info[3]) not in MOODLE_PLUGINS:
                continue
            rest = [info[4] if len(info) > 4 else "", *parts]
            files.setdefault(MOODLE_PARTICIPANTS[int(info[1])], []).append("/".join(rest).lstrip("/"))
            break
    return files


@pytest.fixture(scope="module")
def entries(toy):
    return make_class(toy)


def test_moodle_zip_gives_each_student_from_the_download_their_page(entries, toy, tmp_path):
    out = tmp_path / "feedback.zip"
    exported = export_class("moodle-feedback", entries, toy, out)
    archive = zipfile.ZipFile(out)
    assert archive.namelist() == ["Ольга Быстрова_7002_assignsubmission_file_/feedback.html",
                                  "Dana Draft_7004_assignsubmission_file_/feedback.html"]
    assert moodle_feedback_import(archive) == {"olga": ["feedback.html"], "dana": ["feedback.html"]}
    olga = archive.read(archive.namelist()[0]).decode()
    assert olga.startswith("<!DOCTYPE html>") and "10.86 / 14" in olga and HIDDEN_MESSAGE not in olga
    (warning,) = exported.warnings
    assert "Alice Archer (1001)" in warning and "carl (carl)" in warning and "Erin Error (erin)" in warning


def test_moodle_folder_names_read_back_as_the_participant(entries):
    """A name with underscores or slashes must not move the id out of the second piece, and the
    folder reads back through our own intake as the same participant."""
    folder = moodle_folder("Anna_Maria O/Brien", "31")
    assert folder == "Anna Maria OBrien_31_assignsubmission_file_"
    assert origin_of(f"{folder}/feedback.html").key == "31"


def test_moodle_zip_is_a_zip_moodle_unpacks(entries, toy, tmp_path):
    """UTF-8 member names (Moodle's packer reads the zip's UTF-8 flag) and nothing outside its folder."""
    export_class("moodle-feedback", entries, toy, tmp_path / "f.zip")
    for info in zipfile.ZipFile(tmp_path / "f.zip").infolist():
        assert info.flag_bits & 0x800 or info.filename.isascii()
        assert ".." not in info.filename and not info.filename.startswith("/")


def test_canvas_comments_hold_the_api_body_and_the_page(entries, toy, tmp_path):
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    options = ExportOptions(roster=load_roster(tmp_path / "roster.csv"), canvas_assignment_id="4242")
    bundle = canvas_comments(entries, toy, options)
    document = json.loads(bundle.files["comments.json"])
    assert document["canvas_assignment_id"] == "4242"
    assert document["request"] == "PUT /api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id"
    by_user = {item["user_id"]: item for item in document["submissions"]}
    assert set(by_user) == {"1001", "1002", "1003", "1004"}, "Erin is not in Canvas's roster"
    olga = by_user["1002"]
    assert set(olga) == {"user_id", "name", "comment", "page"} and set(olga["comment"]) == {"text_comment"}
    assert olga["comment"]["text_comment"].startswith("10.86/14 (graded, passed); 2 points are graded by hand later\n"
                                                      "- Runs end to end: 1/1 passed")
    assert "10.86 / 14" in bundle.files[olga["page"]]
    assert "needs-review" in by_user["1004"]["comment"]["text_comment"], "a comment never changes the grade"
    (warning,) = bundle.warnings
    assert "Erin Error (erin)" in warning


def test_canvas_comments_without_a_roster_address_only_canvas_ids(entries, toy):
    bundle = canvas_comments(entries, toy)
    document = json.loads(bundle.files["comments.json"])
    assert [item["user_id"] for item in document["submissions"]] == ["1001"]
    assert sorted(bundle.files) == ["comments.json", "pages/1001.html"]


def test_export_commands_write_the_zip_and_the_comments_folder(entries, tmp_path):
    book = tmp_path / "gradebook.sqlite"
    with Gradebook.open(book) as gradebook:
        for entry in entries:
            stored = gradebook.add_submission("toy", entry.student, entry.submission_id, entry.submission_id, b"{}",
                                              source=entry.source)
            gradebook.record_result(stored.id, entry.result, observations=None, probes=None)
    base = ["--gradebook", str(book), "--assignment", "toy", "--course", str(FIXTURE_COURSE)]
    runner = CliRunner()
    zipped = runner.invoke(export, ["moodle-feedback", *base, "--out", str(tmp_path / "m.zip"), "--lang", "ru"],
                           catch_exceptions=False)
    assert zipped.exit_code == 0 and "warning: No feedback file for 3 students" in zipped.stderr
    page = zipfile.ZipFile(tmp_path / "m.zip").read("Dana Draft_7004_assignsubmission_file_/feedback.html")
    assert b'<html lang="ru">' in page
    comments = runner.invoke(export, ["canvas-comments", *base, "--out", str(tmp_path / "c"), "--assignment-id", "7"],
                             catch_exceptions=False)
    assert comments.exit_code == 0 and "(2 files)" in comments.stdout
    assert json.loads((tmp_path / "c" / "comments.json").read_text())["canvas_assignment_id"] == "7"
