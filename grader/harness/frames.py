"""Which lines of the student's cells an error's traceback went through.

The kernel reports an error as IPython's formatted traceback, one frame after another, outermost
first. A frame in a cell is headed `Cell In[6], line 3` (IPython 8 and later, what the grading
environment runs; a SyntaxError is headed the same way, and so is the frame a KeyboardInterrupt
stopped); frames in library files are headed by their path and are not the student's. The number
in brackets is the kernel's execution count of the cell, which the harness maps back to the cell
it ran (`student_lines`). Any other format yields no lines, and feedback shows how the cell
begins instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from grader.contract import CellLine
from grader.text import strip_ansi

_CELL_HEADER = re.compile(r"^\s*Cell In\s*\[(\d+)\],\s*line (\d+)")


def cell_frames(traceback: str | Sequence[str]) -> list[tuple[int, int]]:
    """(execution count, line) of each frame in a notebook cell, outermost first."""
    text = traceback if isinstance(traceback, str) else "\n".join(str(part) for part in traceback)
    frames: list[tuple[int, int]] = []
    for raw in strip_ansi(text).splitlines():
        if header := _CELL_HEADER.match(raw):
            frames.append((int(header[1]), int(header[2])))
    return frames


def student_lines(traceback: str | Sequence[str], cells_by_count: Mapping[int, int]) -> list[CellLine]:
    """The traceback's frames in the student's own cells, as CellLines. `cells_by_count` maps the
    kernel's execution count of each student cell that ran to the cell's index; frames in the
    grader's injected cells, or of a count it does not know, are left out."""
    return [CellLine(cell=cells_by_count[count], line=line) for count, line in cell_frames(traceback)
            if count in cells_by_count and line > 0]
