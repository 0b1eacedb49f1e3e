"""Intake: from what the instructor downloaded (files, folders, zip exports) to one current
submission per student, without losing anything on the way.

Every candidate file ends in exactly one place: a student's submission (the latest of theirs
when there are several), an older attempt (kept, counted), or a refusal with its reason (an
unsafe archive member, a file that is not a notebook). A student whose only files were refused
still gets a submission, marked with the reason, so the grade says why instead of going missing.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.gradebook.records import Student
from grader.intake.archives import Member, UnsafeArchive, read_members
from grader.intake.names import Origin, origin_of
from grader.intake.roster import Roster

NOTEBOOK = ".ipynb"


@dataclass
class Incoming:
    """One student's file as found, before any grading."""

    student: Student
    source: str                      # where it was found, for the instructor
    data: bytes | None               # None: nothing gradable came with it (see `problem`)
    submitted_at: str | None = None
    order: tuple = ()
    problem: str | None = None
    in_roster: bool = True

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data if self.data is not None else (self.problem or "").encode()).hexdigest()


@dataclass
class Intake:
    submissions: list[Incoming] = field(default_factory=list)   # one per student: their latest
    older: list[Incoming] = field(default_factory=list)         # earlier attempts, superseded
    refused: list[tuple[str, str]] = field(default_factory=list)  # (source, reason) owned by nobody
    missing: list[Student] = field(default_factory=list)        # roster students with no file


def take_in(paths: list[Path], roster: Roster | None = None) -> Intake:
    """Read files, folders and zip archives; resolve owners through the roster; keep the latest."""
    candidates: list[tuple[str, Member]] = []
    intake = Intake()
    for path in paths:
        for relative, member in _members(path, intake):
            candidates.append((relative, member))
    found = []
    for relative, member in candidates:
        if not _is_clutter(relative) and not relative.lower().endswith((NOTEBOOK, ".zip")):
            if member.refused is not None:  # e.g. a link called README: nobody's submission
                intake.refused.append((relative, member.refused))
            continue
        found.append(_incoming(relative, member, roster))
    by_student: dict[str, list[Incoming]] = {}
    for item in found:
        if item is not None:
            by_student.setdefault(item.student.id, []).append(item)
    for student_id in sorted(by_student):
        items = sorted(by_student[student_id], key=_recency)
        gradable = [i for i in items if i.data is not None]
        latest = gradable[-1] if gradable else items[-1]
        intake.submissions.append(latest)
        intake.older += [i for i in items if i is not latest]
    if roster is not None:
        present = set(by_student)
        intake.missing = [s for s in roster.students if s.id not in present]
    return intake


def _recency(item: Incoming) -> tuple:
    return (item.submitted_at or "", item.order, item.source)


def _members(path: Path, intake: Intake) -> list[tuple[str, Member]]:
    """(relative name, member) for a file, a folder's files, or an archive's members."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()
                       and not _is_clutter(p.relative_to(path).as_posix()))
        return [(file.relative_to(path).as_posix(), _read(file)) for file in files]
    if path.suffix.lower() == ".zip":  # an archive named on the command line is an export
        try:
            return [(m.name, m) for m in read_members(path)]
        except UnsafeArchive as exc:
            intake.refused.append((str(path), str(exc)))
            return []
    return [(path.name, _read(path))]


def _is_clutter(relative: str) -> bool:
    """Editor and OS leftovers that look like notebooks: checkpoints, macOS resource forks."""
    parts = relative.split("/")
    return ".ipynb_checkpoints" in parts or "__MACOSX" in parts or parts[-1].startswith("._")


def _read(file: Path) -> Member:
    """A file as a member; a zip inside a folder or an export is one student's own archive."""
    try:
        return Member(name=file.name, data=file.read_bytes(), modified=None)
    except OSError as exc:
        return Member(name=file.name, data=None, modified=None, refused=f"unreadable ({exc})")


def _incoming(relative: str, member: Member, roster: Roster | None) -> Incoming | None:
    """A notebook or zip member as a student's submission (None for editor/OS clutter)."""
    if _is_clutter(relative):
        return None
    origin = origin_of(relative)
    lower = relative.lower()
    student, in_roster = _student(origin, roster)
    item = Incoming(student=student, source=relative, data=None, submitted_at=member.modified,
                    order=(origin.order,), in_roster=in_roster)
    if member.refused is not None:
        item.problem = f"{relative} was refused: {member.refused}"
    elif lower.endswith(".zip"):
        item.data, item.problem = _notebook_in_zip(relative, member.data or b"")
    else:
        item.data = member.data
    return item


def _notebook_in_zip(relative: str, data: bytes) -> tuple[bytes | None, str | None]:
    """A student who zipped their work: the one notebook inside it."""
    try:
        inner = read_members(io.BytesIO(data), total_budget=len(data) * 200 + 1024**2)
    except UnsafeArchive as exc:
        return None, f"{relative}: {exc}"
    notebooks = [m for m in inner if m.name.lower().endswith(NOTEBOOK) and not _is_clutter(m.name)]
    usable = [m for m in notebooks if m.data is not None]
    if len(usable) == 1:
        return usable[0].data, None
    if not notebooks:
        return None, f"{relative} holds no .ipynb notebook"
    if not usable:
        return None, f"{relative}: {notebooks[0].name} was refused: {notebooks[0].refused}"
    names = ", ".join(m.name for m in usable[:4])
    return None, f"{relative} holds {len(usable)} notebooks ({names}); submit exactly one"


def _student(origin: Origin, roster: Roster | None) -> tuple[Student, bool]:
    if roster is not None:
        found = roster.find(origin.key, name=origin.display_name, login=origin.login)
        if found is not None:
            return found, True
    name = origin.display_name or origin.login or origin.key
    return Student(id=origin.key, name=name, login=origin.login), roster is None


def folder_name(student: Student) -> str:
    """A results folder name for a student: readable, filesystem-safe, unique by id."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", student.name).strip("._")[:60]
    ident = re.sub(r"[^A-Za-z0-9._-]+", "_", student.id).strip("._")[:60] or "student"
    return ident if not readable or readable == ident else f"{readable}_{ident}"
