"""The gradebook: one SQLite file per course holding students, submissions (with their bytes),
results per rubric version with the observations they were scored from, and manual points.

A result is stored once, as its grade.json (`result_json`); the status, score, max_score and
passed columns of `results` and the `check_results` view are derived from it, for SQL readers.
Schema 1 stored them a second and a third time; opening a schema-1 file migrates it.

Why SQLite: it is embedded (nothing to run), and each finished grade is committed in its own
transaction in WAL mode, so Ctrl-C, a kill or a power loss loses only the submissions that were
still running; a re-run skips what is stored (same content hash, same rubric version).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from grader.contract import ContractError, ProbeRequest, requests_from_json
from grader.errors import UsageError
from grader.gradebook.records import ClassEntry, Student
from grader.late import penalised, reapplied
from grader.results import GradeResult
from grader.scoring import with_manual_points
from grader.spec.assignment import Late

SCHEMA_VERSION = 2
RESULTS_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    submission INTEGER NOT NULL REFERENCES submissions(id),
    rubric_version INTEGER NOT NULL,
    result_json TEXT NOT NULL,         -- the grade.json document: the one record of status, score and points
    observations BLOB,                 -- zlib-compressed observations.json (untrusted, re-validated on use)
    probes_json TEXT,                  -- the probes the sandbox was asked for
    graded_at TEXT NOT NULL,
    status TEXT GENERATED ALWAYS AS (json_extract(result_json, '$.status')) VIRTUAL,
    score REAL GENERATED ALWAYS AS (json_extract(result_json, '$.score')) VIRTUAL,
    max_score REAL GENERATED ALWAYS AS (json_extract(result_json, '$.max_score')) VIRTUAL,
    passed INTEGER GENERATED ALWAYS AS (json_extract(result_json, '$.passed')) VIRTUAL,
    PRIMARY KEY (submission, rubric_version));
"""
CHECK_RESULTS_VIEW = """
CREATE VIEW IF NOT EXISTS check_results AS
    SELECT r.submission, r.rubric_version, json_extract(c.value, '$.id') AS check_id,
           json_extract(c.value, '$.status') AS status, CAST(json_extract(c.value, '$.points') AS REAL) AS points,
           CAST(json_extract(c.value, '$.max_points') AS REAL) AS max_points
    FROM results r, json_each(r.result_json, '$.checks') c;
"""
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, login TEXT, email TEXT, section TEXT);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    assignment TEXT NOT NULL,
    student_id TEXT NOT NULL REFERENCES students(id),
    folder TEXT NOT NULL,              -- results folder name under the assignment's output
    sha256 TEXT NOT NULL,
    source TEXT,                       -- where it came from (archive member, file)
    submitted_at TEXT,                 -- from the LMS export when known
    received_at TEXT NOT NULL,
    content BLOB NOT NULL,             -- zlib-compressed submitted bytes: a regrade never needs the export again
    problem TEXT,                      -- why intake could not take it (then it is graded ungradable)
    UNIQUE (assignment, student_id, sha256));
CREATE TABLE IF NOT EXISTS manual_points (
    assignment TEXT NOT NULL, student_id TEXT NOT NULL, check_id TEXT NOT NULL,
    points REAL NOT NULL, comment TEXT NOT NULL DEFAULT '', entered_at TEXT NOT NULL,
    PRIMARY KEY (assignment, student_id, check_id));
CREATE INDEX IF NOT EXISTS submissions_by_student ON submissions (assignment, student_id);
CREATE TABLE IF NOT EXISTS similarity_reports (
    assignment TEXT PRIMARY KEY,       -- the latest `grader similarity` report of each assignment
    made_at TEXT NOT NULL,
    report_json TEXT NOT NULL,         -- what `grader similarity --json` prints: every pair, best first
    page BLOB NOT NULL);               -- zlib-compressed similarity.html (`grader report` writes it out)
""" + RESULTS_TABLE.format(name="results") + CHECK_RESULTS_VIEW


def _migrate_from_1(db: sqlite3.Connection) -> None:
    """Schema 1 -> 2: results keep their grade.json, observations and probes; the columns and the
    check_results rows that repeated the grade.json become derived (the same values, read from
    it). One transaction: a concurrent grader migrates first or finds schema 2."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == ("1",):
            db.execute(RESULTS_TABLE.format(name="results_v2"))
            db.execute("INSERT INTO results_v2 (submission, rubric_version, result_json, observations, probes_json, "
                       "graded_at) SELECT submission, rubric_version, result_json, observations, probes_json, "
                       "graded_at FROM results")
            db.execute("DROP TABLE results")
            db.execute("ALTER TABLE results_v2 RENAME TO results")
            db.execute("DROP TABLE check_results")
            db.execute(CHECK_RESULTS_VIEW)
            db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _requests(text: str | None) -> list[ProbeRequest] | None:
    """The probe requests stored with a result; None when there are none, or when they do not fit
    this grader's contract (re-scoring then needs a new run)."""
    if text is None:
        return None
    try:
        return requests_from_json(json.loads(text))
    except (ContractError, json.JSONDecodeError):
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StoredSubmission:
    id: int
    assignment: str
    student: Student
    folder: str
    sha256: str
    source: str | None
    submitted_at: str | None
    problem: str | None


@dataclass(frozen=True)
class StoredResult:
    result: GradeResult
    observations: str | None
    probes: list[ProbeRequest] | None  # None also when this grader cannot read what an older one asked


class Gradebook:
    """A course's gradebook file. Open one per thread of work; every write commits at once."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | str) -> Gradebook:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across crashes of the process
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            found = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if found is not None and int(found[0]) == 1:
                _migrate_from_1(db)
            elif found is not None and int(found[0]) != SCHEMA_VERSION:
                raise UsageError(f"{path}: gradebook schema {found[0]}, this grader reads {SCHEMA_VERSION}")
            db.executescript(SCHEMA)
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{path} is not a grader gradebook ({exc})") from None
        return cls(db, path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- students and submissions -------------------------------------------------------

    def upsert_student(self, student: Student) -> None:
        """Add a student or refresh what the roster says about them (a roster wins over a guess)."""
        self._db.execute(
            "INSERT INTO students VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "name=excluded.name, login=COALESCE(excluded.login, login), "
            "email=COALESCE(excluded.email, email), section=COALESCE(excluded.section, section)",
            (student.id, student.name, student.login, student.email, student.section))

    def add_submission(self, assignment: str, student: Student, folder: str, sha256: str, content: bytes, *,
                       source: str | None = None, submitted_at: str | None = None,
                       problem: str | None = None) -> StoredSubmission:
        """Record a submission; the same bytes from the same student are one submission."""
        self.upsert_student(student)
        self._db.execute(
            "INSERT OR IGNORE INTO submissions (assignment, student_id, folder, sha256, source, submitted_at, "
            "received_at, content, problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (assignment, student.id, folder, sha256, source, submitted_at, _now(), zlib.compress(content, 6), problem))
        row = self._db.execute("SELECT id FROM submissions WHERE assignment=? AND student_id=? AND sha256=?",
                               (assignment, student.id, sha256)).fetchone()
        return self.submission(row[0])

    def submission(self, submission_id: int) -> StoredSubmission:
        row = self._db.execute(
            "SELECT s.id, s.assignment, s.folder, s.sha256, s.source, s.submitted_at, s.problem, "
            "st.id, st.name, st.login, st.email, st.section "
            "FROM submissions s JOIN students st ON st.id = s.student_id WHERE s.id=?", (submission_id,)).fetchone()
        if row is None:
            raise KeyError(submission_id)
        return StoredSubmission(id=row[0], assignment=row[1], folder=row[2], sha256=row[3], source=row[4],
                                submitted_at=row[5], problem=row[6], student=Student(*row[7:12]))

    def submission_bytes(self, submission_id: int) -> bytes:
        row = self._db.execute("SELECT content FROM submissions WHERE id=?", (submission_id,)).fetchone()
        return zlib.decompress(row[0])

    def latest_submissions(self, assignment: str) -> list[StoredSubmission]:
        """Each student's current submission: the latest submitted (LMS time when known, else the
        latest received), one per student, ordered by student id."""
        rows = self._db.execute(
            "SELECT id FROM (SELECT id, student_id, ROW_NUMBER() OVER (PARTITION BY student_id "
            "ORDER BY COALESCE(submitted_at, '') DESC, id DESC) AS rank FROM submissions WHERE assignment=?) "
            "WHERE rank = 1 ORDER BY student_id", (assignment,)).fetchall()
        return [self.submission(row[0]) for row in rows]

    def attempts(self, assignment: str, student_id: str) -> int:
        return self._db.execute("SELECT COUNT(*) FROM submissions WHERE assignment=? AND student_id=?",
                                (assignment, student_id)).fetchone()[0]

    # --- results --------------------------------------------------------------------------

    def record_result(self, submission_id: int, result: GradeResult, *, observations: str | None,
                      probes: list[ProbeRequest] | None) -> None:
        """Store a finished grade (its grade.json, the observations and the probes asked)."""
        packed = zlib.compress(observations.encode("utf-8"), 6) if observations is not None else None
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO results (submission, rubric_version, result_json, observations, probes_json, "
                "graded_at) VALUES (?, ?, ?, ?, ?, ?)",
                (submission_id, result.rubric_version, json.dumps(result.to_dict(), ensure_ascii=False), packed,
                 json.dumps([p.to_json() for p in probes]) if probes is not None else None, _now()))

    def stored_result(self, submission_id: int, rubric_version: int | None = None) -> StoredResult | None:
        """The result for that rubric version (default: the newest graded one)."""
        query = "SELECT result_json, observations, probes_json FROM results WHERE submission=?"
        args: tuple = (submission_id,)
        if rubric_version is not None:
            query, args = query + " AND rubric_version=?", (submission_id, rubric_version)
        row = self._db.execute(query + " ORDER BY rubric_version DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return StoredResult(result=GradeResult.from_dict(json.loads(row[0])),
                            observations=zlib.decompress(row[1]).decode("utf-8") if row[1] is not None else None,
                            probes=_requests(row[2]))

    # --- manual points --------------------------------------------------------------------

    def find_student(self, key: str) -> str:
        """The id of the student whose id, login or e-mail is `key` (case-insensitive)."""
        rows = self._db.execute(
            "SELECT id FROM students WHERE id=?1 OR lower(login)=lower(?1) OR lower(email)=lower(?1)",
            (key,)).fetchall()
        if len(rows) != 1:
            why = "no student" if not rows else f"{len(rows)} students match"
            raise UsageError(f"{why} {key!r} in {self.path} (give an id, login or e-mail)")
        return rows[0][0]

    def set_manual(self, assignment: str, student_id: str, check_id: str, points: float, comment: str = "") -> None:
        self._db.execute("INSERT OR REPLACE INTO manual_points VALUES (?, ?, ?, ?, ?, ?)",
                         (assignment, student_id, check_id, points, comment, _now()))

    def manual_points(self, assignment: str, student_id: str) -> dict[str, tuple[float, str]]:
        rows = self._db.execute(
            "SELECT check_id, points, comment FROM manual_points WHERE assignment=? AND student_id=?",
            (assignment, student_id)).fetchall()
        return {check: (points, comment) for check, points, comment in rows}

    # --- similarity reports (grader/similarity) ---------------------------------------------

    def record_similarity(self, assignment: str, report: dict, page: str) -> None:
        """Keep an assignment's similarity report (its JSON and its page), replacing an earlier one."""
        self._db.execute("INSERT OR REPLACE INTO similarity_reports VALUES (?, ?, ?, ?)",
                         (assignment, _now(), json.dumps(report, ensure_ascii=False),
                          zlib.compress(page.encode("utf-8"), 6)))

    def similarity_report(self, assignment: str) -> dict | None:
        row = self._db.execute("SELECT report_json FROM similarity_reports WHERE assignment=?",
                               (assignment,)).fetchone()
        return json.loads(row[0]) if row is not None else None

    def similarity_page(self, assignment: str) -> str | None:
        row = self._db.execute("SELECT page FROM similarity_reports WHERE assignment=?", (assignment,)).fetchone()
        return zlib.decompress(row[0]).decode("utf-8") if row is not None else None

    # --- what exports and reports read ------------------------------------------------------

    def class_entries(self, assignment: str, rubric_version: int | None = None, *,
                      late: Late | None = None) -> list[ClassEntry]:
        """One entry per student with a graded current submission, manual points applied, then the
        assignment's `late` rule to the submission time the LMS export gave (without a rule, a
        penalty recorded when it was graded is taken again from the score the manual points make)."""
        entries = []
        for submission in self.latest_submissions(assignment):
            stored = self.stored_result(submission.id, rubric_version)
            if stored is None:
                continue
            result = with_manual_points(stored.result, self.manual_points(assignment, submission.student.id))
            result = (penalised(replace(result, late=None), late, submission.submitted_at) if late is not None
                      else reapplied(result))
            entries.append(ClassEntry(
                student=submission.student, submission_id=submission.folder, result=result,
                attempts=self.attempts(assignment, submission.student.id), submitted_at=submission.submitted_at,
                feedback=f"{submission.folder}/feedback.html", source=submission.source))
        return entries

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (the connection is in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type | None, *rest: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
