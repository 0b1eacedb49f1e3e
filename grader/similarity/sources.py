"""A class's code as the similarity report reads it: each student's current submission, found the
way `grader grade` finds it (files, folders, LMS zips through the intake, or the gradebook's
stored bytes), reduced to its code cells."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.gradebook.store import Gradebook
from grader.intake.collect import take_in
from grader.intake.roster import Roster
from grader.similarity.tokens import CodeCell


@dataclass(frozen=True)
class ClassSubmission:
    id: str            # the student's id, as `grade` records it
    name: str
    sha256: str        # of the submitted bytes, to match the gradebook's record
    cells: list[CodeCell]


@dataclass
class ClassCode:
    submissions: list[ClassSubmission] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (student or file, why it has no code to compare)


def from_paths(paths: list[Path], roster: Roster | None = None) -> ClassCode:
    """Notebooks, folders and zip exports, one current submission per student, as `grade` reads them."""
    intake = take_in(paths, roster)
    code = ClassCode(skipped=list(intake.refused))
    for item in intake.submissions:
        _add(code, item.student.id, item.student.name, item.sha256, item.data, item.problem)
    return code


def from_gradebook(book: Gradebook, assignment: str) -> ClassCode:
    """Each student's current submission as the gradebook stored it."""
    code = ClassCode()
    for stored in book.latest_submissions(assignment):
        data = None if stored.problem else book.submission_bytes(stored.id)
        _add(code, stored.student.id, stored.student.name, stored.sha256, data, stored.problem)
    return code


def _add(code: ClassCode, student: str, name: str, sha256: str, data: bytes | None, problem: str | None) -> None:
    if data is None:
        code.skipped.append((student, problem or "nothing gradable was submitted"))
        return
    try:
        cells = code_cells(data)
    except ValueError as exc:
        code.skipped.append((student, str(exc)))
        return
    code.submissions.append(ClassSubmission(id=student, name=name, sha256=sha256, cells=cells))


def code_cells(data: bytes) -> list[CodeCell]:
    """The code cells of a notebook's bytes (nbformat 3 converted), each with its index among all
    cells; ValueError saying why when the bytes are not a notebook."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a Jupyter notebook (not valid JSON: {exc})") from None
    if not isinstance(document, dict) or ("cells" not in document and "worksheets" not in document):
        raise ValueError("JSON but not a Jupyter notebook (it has no 'cells')")
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a malformed document
        raise ValueError(f"not a readable notebook: {str(exc).splitlines()[0][:200]}") from None
    return [CodeCell(index, _text(cell.get("source", ""))) for index, cell in enumerate(notebook.cells)
            if cell.get("cell_type") == "code"]


def _text(source: object) -> str:
    return "".join(source) if isinstance(source, list) else str(source)
