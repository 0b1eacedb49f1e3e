"""The gradebook stores each result once, as its grade.json; the score columns and the per-check
rows SQL readers use are derived from it, and a schema-1 gradebook (which stored them three times)
opens migrated, every value the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import REPO
from grader.errors import UsageError
from grader.gradebook.records import Student
from grader.gradebook.store import SCHEMA_VERSION, Gradebook
from grader.results import CheckResult, CheckStatus, GradeResult, Status

V1 = REPO / "tests" / "fixtures" / "gradebook-v1.sql"
SCORES = "SELECT submission, rubric_version, status, score, max_score, passed FROM results ORDER BY 1, 2"
CHECKS = "SELECT * FROM check_results ORDER BY submission, rubric_version, check_id"


def v1_gradebook(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.executescript(V1.read_text(encoding="utf-8"))
    return path


def rows(path: Path, query: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(query).fetchall()


def stored_columns(path: Path) -> list[str]:
    """The results columns that hold data (not generated from other columns)."""
    return [name for _cid, name, _type, _notnull, _default, _pk, hidden in rows(path, "PRAGMA table_xinfo(results)")
            if hidden == 0]


def test_a_schema_1_gradebook_opens_migrated_with_every_value_the_same(tmp_path):
    path = v1_gradebook(tmp_path / "book.sqlite")
    scores, checks = rows(path, SCORES), rows(path, CHECKS)
    assert len(scores) == 3 and len(checks) == 9
    with Gradebook.open(path) as book:
        [alice, bob] = book.latest_submissions("toy")
        assert book.stored_result(alice.id, 3).result.score == 6.5
        assert book.stored_result(alice.id).observations == '{"schema": 1, "status": "completed"}'
        entries = {e.student.id: e for e in book.class_entries("toy")}
    assert entries["alice"].result.score == 11.0  # 9 of rubric v4 and the 2 manual points
    assert entries["bob"].result.status is Status.UNGRADABLE and not entries["bob"].result.passed
    assert rows(path, SCORES) == scores and rows(path, CHECKS) == checks
    assert rows(path, "SELECT value FROM meta WHERE key='schema'") == [(str(SCHEMA_VERSION),)]
    assert "score" not in stored_columns(path) and "status" not in stored_columns(path)
    assert rows(path, "SELECT type FROM sqlite_master WHERE name='check_results'") == [("view",)]
    with Gradebook.open(path):  # opening it again changes nothing
        pass
    assert rows(path, SCORES) == scores and rows(path, CHECKS) == checks


def result(version: int, points: list[float], status: Status = Status.GRADED) -> GradeResult:
    checks = [CheckResult(id=f"c{n}", title=f"C{n}", kind="function", visibility="public", points=p, max_points=2,
                          status=CheckStatus.PASSED if p == 2 else CheckStatus.FAILED, message="")
              for n, p in enumerate(points)]
    return GradeResult(submission_id="anna", assignment="toy", rubric_version=version, status=status,
                       score=sum(points), max_score=2 * len(points), pass_mark=0.6, checks=checks)


def test_scores_and_check_rows_are_read_from_the_stored_grade(tmp_path):
    path = tmp_path / "book.sqlite"
    with Gradebook.open(path) as book:
        stored = book.add_submission("toy", Student("anna", "Anna"), "anna", "a" * 64, b"{}")
        book.record_result(stored.id, result(1, [2, 0.5]), observations=None, probes=None)
        book.record_result(stored.id, result(1, [2, 2]), observations=None, probes=None)  # replaced
        book.record_result(stored.id, result(2, [0, 0], Status.TIMEOUT), observations=None, probes=None)
    assert stored_columns(path) == ["submission", "rubric_version", "result_json", "observations", "probes_json",
                                    "graded_at"]
    assert rows(path, SCORES) == [(1, 1, "graded", 4.0, 4.0, 1), (1, 2, "timeout", 0.0, 4.0, 0)]
    assert rows(path, CHECKS) == [(1, 1, "c0", "passed", 2.0, 2.0), (1, 1, "c1", "passed", 2.0, 2.0),
                                  (1, 2, "c0", "failed", 0.0, 2.0), (1, 2, "c1", "failed", 0.0, 2.0)]
    assert rows(path, "SELECT DISTINCT typeof(score), typeof(max_score), typeof(passed) FROM results") == [
        ("real", "real", "integer")]  # as schema 1's columns were, though grade.json holds 4, not 4.0


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "book.sqlite"
    Gradebook.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    with pytest.raises(UsageError, match="gradebook schema 99"):
        Gradebook.open(path)
