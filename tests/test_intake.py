"""Intake of LMS exports: owners from Canvas and Moodle names, the roster, latest-wins, and zip
archives that try path traversal, links or bombs. Real zip files, no kernels."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from grader.errors import UsageError
from grader.intake.archives import MAX_MEMBER_BYTES, UnsafeArchive, read_members
from grader.intake.collect import folder_name, take_in
from grader.intake.names import origin_of
from grader.intake.roster import load_roster

NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def zip_of(path: Path, members: dict[str, bytes], *, dates: dict[str, tuple] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(dates or {}).get(name, (2026, 11, 1, 12, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def roster_file(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("Student,ID,SIS Login ID,Email,Section\n"
                    "    Points Possible,,,,\n"
                    "\"Smith, Anna\",1001,asmith,anna@uni.example,A\n"
                    "Boris Petrov,1002,bpetrov,boris@uni.example,A\n"
                    "Clara Diaz,1003,cdiaz,clara@uni.example,B\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name, key, lms, order, late", [
    ("smithanna_1001_55501_lab1.ipynb", "1001", "canvas", 55501, False),
    ("smithanna_LATE_1001_55502_lab1-1.ipynb", "1001", "canvas", 55502, True),
    ("Anna Smith_417_assignsubmission_file_/lab1.ipynb", "417", "moodle", 0, False),
    ("Anna Smith_417_assignsubmission_file_lab1.ipynb", "417", "moodle", 0, False),
    ("anna/lab1.ipynb", "anna", "plain", 0, False),
    ("anna.ipynb", "anna", "plain", 0, False),
])
def test_owner_is_read_from_lms_names(name, key, lms, order, late):
    origin = origin_of(name)
    assert (origin.key, origin.lms, origin.order, origin.late) == (key, lms, order, late)


def test_canvas_export_resolves_students_through_the_roster_and_keeps_the_latest(tmp_path):
    export = zip_of(tmp_path / "submissions.zip", {
        "smithanna_1001_500_lab1.ipynb": NOTEBOOK + b" ",
        "smithanna_LATE_1001_502_lab1-1.ipynb": NOTEBOOK + b"  ",   # resubmitted later
        "petrovboris_1002_501_lab1.ipynb": NOTEBOOK,
        "unknownstudent_9999_503_lab1.ipynb": NOTEBOOK,
    })
    intake = take_in([export], load_roster(roster_file(tmp_path)))
    by_id = {item.student.id: item for item in intake.submissions}
    assert sorted(by_id) == ["1001", "1002", "9999"]
    assert by_id["1001"].student.name == "Smith, Anna" and by_id["1001"].data == NOTEBOOK + b"  "
    assert [item.source for item in intake.older] == ["smithanna_1001_500_lab1.ipynb"]
    assert by_id["9999"].in_roster is False and by_id["9999"].student.login == "unknownstudent"
    assert [s.name for s in intake.missing] == ["Clara Diaz"]


def test_moodle_folders_match_the_roster_by_full_name(tmp_path):
    export = zip_of(tmp_path / "moodle.zip", {
        "Anna Smith_417_assignsubmission_file_/lab1.ipynb": NOTEBOOK,
        "Boris Petrov_418_assignsubmission_file_/lab1.ipynb": NOTEBOOK,
        "Boris Petrov_418_assignsubmission_file_/notes.txt": b"not a submission",
    })
    intake = take_in([export], load_roster(roster_file(tmp_path)))
    assert sorted(item.student.id for item in intake.submissions) == ["1001", "1002"]
    assert intake.refused == []


def test_a_students_own_zip_gives_its_one_notebook_or_says_why_not(tmp_path):
    inner_ok = io.BytesIO()
    zip_of(inner_ok, {"work/lab1.ipynb": NOTEBOOK, "__MACOSX/work/._lab1.ipynb": b"junk"})
    inner_two = io.BytesIO()
    zip_of(inner_two, {"a.ipynb": NOTEBOOK, "b.ipynb": NOTEBOOK})
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "anna.zip").write_bytes(inner_ok.getvalue())
    (folder / "boris.zip").write_bytes(inner_two.getvalue())
    (folder / "clara.zip").write_bytes(b"PK\x03\x04 broken")
    by_id = {item.student.id: item for item in take_in([folder]).submissions}
    assert by_id["anna"].data == NOTEBOOK and by_id["anna"].problem is None
    assert by_id["boris"].data is None and "holds 2 notebooks" in by_id["boris"].problem
    assert by_id["clara"].data is None and "not a readable zip" in by_id["clara"].problem


def test_path_traversal_and_links_are_refused_and_never_written(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escape_1_2_x.ipynb", NOTEBOOK)
        zf.writestr("/abs/owner.ipynb", NOTEBOOK)
        link = zipfile.ZipInfo("anna/lab.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("boris/lab.ipynb", NOTEBOOK)
    members = {m.name: m for m in read_members(archive)}
    assert "path traversal" in members["../../escape_1_2_x.ipynb"].refused
    assert "path traversal" in members["/abs/owner.ipynb"].refused
    assert "symbolic link" in members["anna/lab.ipynb"].refused and members["anna/lab.ipynb"].data is None
    intake = take_in([archive])
    by_id = {item.student.id: item for item in intake.submissions}
    assert by_id["boris"].data == NOTEBOOK
    assert by_id["anna"].data is None and "symbolic link" in by_id["anna"].problem  # anna still gets a grade
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.zip"]  # nothing extracted anywhere


def test_zip_bombs_are_refused_by_ratio_and_by_actual_size(tmp_path):
    bomb = zip_of(tmp_path / "bomb.zip", {"anna/lab.ipynb": b"0" * (MAX_MEMBER_BYTES + 1), "boris/lab.ipynb": NOTEBOOK})
    members = {m.name: m for m in read_members(bomb)}
    assert members["anna/lab.ipynb"].data is None and members["boris/lab.ipynb"].data == NOTEBOOK
    ratio = zip_of(tmp_path / "ratio.zip", {"anna/lab.ipynb": b"\0" * (8 * 1024**2)})
    assert "zip bomb" in read_members(ratio)[0].refused
    # a header that understates the size: reading stops at the limit, not at the header's word
    liar = tmp_path / "liar.zip"
    liar.write_bytes(ratio.read_bytes())
    members = read_members(liar, total_budget=1024)
    assert members[0].data is None


def test_archives_that_cannot_be_read_are_refused_whole(tmp_path):
    junk = tmp_path / "export.zip"
    junk.write_bytes(b"this is not a zip")
    with pytest.raises(UnsafeArchive, match="not a readable zip"):
        read_members(junk)
    intake = take_in([junk])
    assert intake.submissions == [] and intake.refused[0][0].endswith("export.zip")


def test_roster_needs_an_id_column_and_folder_names_are_safe(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nAnna\n")
    with pytest.raises(UsageError, match="no student id column"):
        load_roster(bad)
    roster = load_roster(roster_file(tmp_path))
    assert roster.find("asmith").id == "1001" and roster.find("x", name="Anna Smith").id == "1001"
    assert roster.find("boris@uni.example").id == "1002" and roster.find("nobody") is None
    assert folder_name(roster.students[0]) == "Smith_Anna_1001"
    from grader.gradebook.records import Student

    assert folder_name(Student(id="../../etc", name="../..")) == "etc"
