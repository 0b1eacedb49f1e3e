"""Grading a class: a mixed batch with the right status for each, skipping and resuming through
the SQLite gradebook, a kill mid-batch, manual points, re-scoring after a rubric change, and a
real local Ray cluster. Real kernels throughout."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURE_COURSE, TOY_GOOD, make_notebook

pytestmark = pytest.mark.slow

WRONG_SQUARE = [TOY_GOOD[0], TOY_GOOD[1].replace("** 2", "* 2"), *TOY_GOOD[2:]]
CRASHING = [*TOY_GOOD[:2], "raise RuntimeError('boom')", *TOY_GOOD[2:]]
ENDLESS = [*TOY_GOOD, *["while True:\n    pass"] * 4]  # each cell hits its 5 s limit; together the total


def grader(*args: str, course: Path = FIXTURE_COURSE, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRADER_COURSE": str(course), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env,
                          timeout=600, **kwargs)


def make_class(folder: Path, **students: list | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, cells in students.items():
        if isinstance(cells, bytes):
            (folder / f"{name}.ipynb").write_bytes(cells)
        else:
            make_notebook(folder / f"{name}.ipynb", cells)
    return folder


def gradebook_rows(path: Path) -> list[tuple]:
    """What a gradebook says, minus times: (student, status, score, per-check points)."""
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT s.student_id, r.status, r.score, group_concat(c.check_id || '=' || c.points, ',') "
            "FROM results r JOIN submissions s ON s.id = r.submission "
            "JOIN check_results c ON c.submission = r.submission AND c.rubric_version = r.rubric_version "
            "GROUP BY r.submission ORDER BY s.student_id").fetchall()


def test_a_mixed_class_gets_a_status_for_everyone_and_a_rerun_skips_them(tmp_path):
    inbox = make_class(tmp_path / "inbox", alice=TOY_GOOD, bob=WRONG_SQUARE, clara=CRASHING, dmitry=ENDLESS,
                       eve=b"{ this is not json")
    out = tmp_path / "out" / "toy"
    done = grader("grade", "toy", str(inbox), "--out", str(out), "--workers", "2", "--timeout", "15", "--json",
                  "--lang", "ru")
    assert done.returncode == 3, done.stderr  # an ungradable notebook is the worst code
    summary = json.loads(done.stdout)
    statuses = {r["submission_id"]: r["status"] for r in summary["results"]}
    assert statuses == {"alice": "graded", "bob": "graded", "clara": "graded", "dmitry": "timeout", "eve": "ungradable"}
    scores = {r["submission_id"]: r["score"] for r in summary["results"]}
    assert scores["alice"] == 12 and scores["bob"] < scores["alice"] and scores["clara"] < scores["alice"]
    assert "[5/5]" in done.stderr  # the progress display, one line per submission when not on a terminal
    for folder in statuses:
        assert (out / folder / "grade.json").is_file()
        assert '<html lang="ru"' in (out / folder / "feedback.html").read_text(encoding="utf-8")
    again = grader("grade", "toy", str(inbox), "--out", str(out), "--json")
    assert json.loads(again.stdout)["skipped"] == 5 and json.loads(again.stdout)["graded"] == 0
    assert again.returncode == 3


def rows_so_far(path: Path) -> int:
    """How many grades a gradebook that a running batch writes holds yet: 0 before the file or its
    tables exist (sqlite creates the file when the batch connects, the tables a moment later)."""
    try:
        return len(gradebook_rows(path)) if path.exists() else 0
    except sqlite3.OperationalError:
        return 0


def test_killing_the_grader_mid_batch_loses_nothing_finished_and_the_rerun_completes_it(tmp_path):
    students = {f"s{i:02d}": TOY_GOOD if i % 2 else WRONG_SQUARE for i in range(6)}
    inbox = make_class(tmp_path / "inbox", **students)
    reference = tmp_path / "reference" / "toy"
    assert grader("grade", "toy", str(inbox), "--out", str(reference)).returncode == 0  # all above the pass mark
    out = tmp_path / "killed" / "toy"
    book = out.parent / "gradebook.sqlite"
    env = {**os.environ, "GRADER_COURSE": str(FIXTURE_COURSE)}
    process = subprocess.Popen([sys.executable, "-m", "grader", "grade", "toy", str(inbox), "--out", str(out)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and rows_so_far(book) < 2:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(gradebook_rows(book))
    assert 2 <= finished < 6
    resumed = grader("grade", "toy", str(inbox), "--out", str(out), "--json")
    assert json.loads(resumed.stdout)["skipped"] == finished
    assert gradebook_rows(book) == gradebook_rows(reference.parent / "gradebook.sqlite")


def test_latest_submission_wins_and_attempts_are_counted(tmp_path):
    from grader.gradebook.store import Gradebook

    first = make_class(tmp_path / "monday", alice=WRONG_SQUARE)
    second = make_class(tmp_path / "tuesday", alice=TOY_GOOD)
    out = tmp_path / "out" / "toy"
    grader("grade", "toy", str(first), "--out", str(out))
    grader("grade", "toy", str(second), "--out", str(out))
    from grader.course import load_assignment

    with Gradebook.open(out.parent / "gradebook.sqlite") as book:
        [entry] = book.class_entries(load_assignment("toy", root=FIXTURE_COURSE).id)
    assert entry.attempts == 2 and entry.result.score == 12


def test_manual_points_are_entered_validated_and_applied(tmp_path):
    from grader.gradebook.store import Gradebook

    inbox = make_class(tmp_path / "inbox", alice=TOY_GOOD, bob=WRONG_SQUARE)
    out = tmp_path / "out" / "toy"
    grader("grade", "toy", str(inbox), "--out", str(out))
    book = out.parent / "gradebook.sqlite"
    assert grader("manual", "set", "toy", "alice", "review", "2", "--gradebook", str(book),
                  "--comment", "clear discussion").returncode == 0
    assert grader("manual", "set", "toy", "alice", "review", "5", "--gradebook", str(book)).returncode == 2
    assert grader("manual", "set", "toy", "alice", "square", "1", "--gradebook", str(book)).returncode == 2
    assert grader("manual", "set", "toy", "zoe", "review", "1", "--gradebook", str(book)).returncode == 2
    sheet = tmp_path / "reviews.csv"
    sheet.write_text("student,check,points,comment\nbob,review,1,too short\nalice,review,oops,\n")
    bad = grader("manual", "import", "toy", str(sheet), "--gradebook", str(book))
    assert bad.returncode == 2 and "reviews.csv:3" in bad.stderr
    sheet.write_text("student,check,points,comment\nbob,review,1,too short\n")
    assert grader("manual", "import", "toy", str(sheet), "--gradebook", str(book)).returncode == 0
    with Gradebook.open(book) as opened:
        entries = {e.student.id: e for e in opened.class_entries("toy")}
    review = {sid: next(c for c in e.result.checks if c.id == "review") for sid, e in entries.items()}
    assert (review["alice"].points, review["alice"].status.value, review["alice"].message) == (2, "passed", "clear discussion")
    assert (review["bob"].points, review["bob"].status.value) == (1, "partial")
    assert entries["alice"].result.score == 14 and entries["alice"].result.pending_points == 0


def test_regrade_rescores_stored_observations_unless_the_rubric_needs_a_new_probe(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    inbox = make_class(tmp_path / "inbox", alice=TOY_GOOD, bob=WRONG_SQUARE)
    out = tmp_path / "out" / "toy"
    grader("grade", "toy", str(inbox), "--out", str(out), course=course)
    book = str(out.parent / "gradebook.sqlite")
    rubric = course / "rubrics" / "toy.yaml"
    # v4: the same questions, different points: no notebook needs to run again
    rubric.write_text(rubric.read_text().replace("version: 3", "version: 4").replace("threshold: 0.9", "threshold: 0.99"))
    done = grader("regrade", "toy", "--gradebook", book, "--out", str(out), course=course)
    assert "2 re-scored from stored observations, 0 run again" in done.stderr, done.stderr
    # v5: a new function case asks the kernel a new question: those notebooks run again
    text = rubric.read_text().replace("version: 4", "version: 5")
    rubric.write_text(text.replace("        - args: [3]\n          expected: 9\n",
                                   "        - args: [3]\n          expected: 9\n        - args: [4]\n          expected: 16\n"))
    done = grader("regrade", "toy", "--gradebook", book, "--out", str(out), course=course)
    assert "0 re-scored from stored observations, 2 run again" in done.stderr, done.stderr
    with sqlite3.connect(book) as db:
        versions = db.execute("SELECT rubric_version, COUNT(*) FROM results GROUP BY rubric_version").fetchall()
    assert versions == [(3, 2), (4, 2), (5, 2)]


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """A real single-node Ray cluster, started the way an instructor starts one."""
    ray = shutil.which("ray", path=str(Path(sys.executable).parent))
    if ray is None:
        pytest.fail("Ray is not installed in this environment: scripts/setup.sh installs the ray extra")
    temp = tmp_path_factory.mktemp("ray")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    port = "6390"
    started = subprocess.run([ray, "start", "--head", "--port", port, "--num-cpus", "2", "--include-dashboard=false",
                              f"--temp-dir={temp}", "--disable-usage-stats"], capture_output=True, text=True, env=env,
                             timeout=180)
    assert started.returncode == 0, started.stdout + started.stderr
    yield f"127.0.0.1:{port}"
    subprocess.run([ray, "stop", "--force"], capture_output=True, env=env, timeout=120)


def test_ray_executor_grades_a_class_on_a_real_local_cluster(tmp_path, ray_cluster):
    inbox = make_class(tmp_path / "inbox", alice=TOY_GOOD, bob=WRONG_SQUARE, eve=b"garbage")
    out = tmp_path / "out" / "toy"
    done = grader("grade", "toy", str(inbox), "--out", str(out), "--executor", "ray", "--address", ray_cluster, "--json")
    assert done.returncode == 3, done.stderr
    statuses = {r["submission_id"]: (r["status"], r["score"]) for r in json.loads(done.stdout)["results"]}
    assert statuses["alice"] == ("graded", 12) and statuses["bob"][0] == "graded" and statuses["eve"][0] == "ungradable"
    assert grader("grade", "toy", str(inbox), "--out", str(out), "--executor", "ray").returncode == 2
