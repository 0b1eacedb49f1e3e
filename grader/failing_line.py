"""The line a failing cell failed at, with a few lines around it, quoted from the student's notebook.

The harness records the lines of student cells an error's traceback went through
(CellRecord.error_lines, outermost first). Feedback quotes the line of the failing cell itself
and, when the error was raised deeper (in a function defined in another cell, or earlier in the
same one), that line too: "called" here, "raised" there. A cell the grader interrupted shows
where it was running. With no line to point at (the kernel died, nothing was recorded) it shows
how the cell begins. Pure: scoring calls it with the notebook the host read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grader.contract import CellLine, CellRecord, CellStatus
from grader.student_notebook import CellPlace, StudentNotebook
from grader.text import cap

BEFORE, AFTER = 2, 2          # lines of context around the marked one
START_LINES = 4               # lines shown of a cell with no line to point at
LINE_LIMIT = 120              # characters kept of one source line

Role = Literal["raised", "called", "stopped", "start"]


@dataclass(frozen=True)
class SourceLine:
    number: int                 # 1-based in the cell
    text: str
    marked: bool                # the line the excerpt is about


@dataclass(frozen=True)
class Excerpt:
    """Some lines of one cell: `role` says what the marked line did ("raised" the error, "called"
    the code that raised it, was running when the cell was "stopped"; "start": none is marked)."""

    role: Role
    place: CellPlace
    line: int | None
    lines: list[SourceLine]


def excerpts(record: CellRecord, notebook: StudentNotebook | None) -> list[Excerpt]:
    """What to quote of a failed cell: the failing line of this cell, then the line that raised
    when it is elsewhere; the cell's first lines when there is no line to point at. Empty when the
    notebook is not at hand."""
    if notebook is None:
        return []
    trail = record.error_lines
    here = next((line for line in trail if line.cell == record.index), None)
    deepest = trail[-1] if trail else None
    last_role: Role = "stopped" if record.status == CellStatus.TIMEOUT else "raised"
    quoted = []
    if here is not None and deepest is not None and deepest != here:
        quoted = [_excerpt(notebook, here, "called"), _excerpt(notebook, deepest, last_role)]
    elif here is not None:
        quoted = [_excerpt(notebook, here, last_role)]
    shown = [excerpt for excerpt in quoted if excerpt is not None]
    return shown or _start(notebook, record.index)


def _excerpt(notebook: StudentNotebook, at: CellLine, role: Role) -> Excerpt | None:
    cell = notebook.cell(at.cell)
    if cell is None:
        return None
    lines = cell.source.splitlines()
    if not 1 <= at.line <= len(lines):  # not this source: say nothing rather than point at the wrong line
        return None
    first, last = max(1, at.line - BEFORE), min(len(lines), at.line + AFTER)
    return Excerpt(role=role, place=cell.place, line=at.line,
                   lines=[_line(number, lines[number - 1], number == at.line) for number in range(first, last + 1)])


def _start(notebook: StudentNotebook, index: int) -> list[Excerpt]:
    cell = notebook.cell(index)
    if cell is None:
        return []
    numbered = [(number, text) for number, text in enumerate(cell.source.splitlines(), start=1) if text.strip()]
    if not numbered:
        return []
    first = numbered[0][0]
    lines = cell.source.splitlines()[first - 1:first - 1 + START_LINES]
    return [Excerpt(role="start", place=cell.place, line=None,
                    lines=[_line(number, text, False) for number, text in enumerate(lines, start=first)])]


def _line(number: int, text: str, marked: bool) -> SourceLine:
    return SourceLine(number=number, text=cap(text.expandtabs(4).rstrip(), LINE_LIMIT), marked=marked)
