"""What the harness reports about running the notebook: one record per student cell, the run as
a whole, and the status values of both."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CellStatus(StrEnum):
    """What happened to one cell of the student's notebook."""

    OK = "ok"
    ERROR = "error"          # it raised, or the kernel died while it ran
    TIMEOUT = "timeout"      # it ran past the cell limit and was interrupted
    NOT_RUN = "not_run"      # the run ended before it (a crash, the total limit)
    SKIPPED = "skipped"      # not a code cell, or one with nothing to run (blank, or only comments)


class RunStatus(StrEnum):
    """How the run in the sandbox ended: the `status` of observations.json (scoring maps it to the
    grade's status: completed -> graded)."""

    COMPLETED = "completed"
    UNGRADABLE = "ungradable"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    ERROR = "error"


@dataclass(kw_only=True)
class CellLine:
    """A line of a student cell that an error's traceback passes through."""

    cell: int                                  # the CellRecord.index of that cell
    line: int                                  # 1-based, in the cell's source as the student wrote it


@dataclass(kw_only=True)
class Overrun:
    """Why the grader stopped a cell: the budget it ran past (the cell's own or the notebook's
    total), and whether it was computing (`work`) or waiting (`wait`), with the figures the
    student reads; the host words it in the page's language (grader/stopped.py)."""

    budget: str                                # "cell" or "total"
    by: str                                    # "work" or "wait"
    seconds: float                             # the budget, in seconds of computing
    cpu_seconds: float                         # the same in CPU seconds (seconds x threads)
    wall_seconds: float                        # how long a waiting cell may take
    threads: int


@dataclass(kw_only=True)
class CellRecord:
    """One cell of the student's notebook; the harness fills it in as the cell runs."""

    index: int                                 # 0-based, among all the notebook's cells
    status: CellStatus = CellStatus.NOT_RUN
    source_head: str = ""
    defines: list[str] = field(default_factory=list)  # top-level names, to point feedback at the cell
    error: dict[str, str] | None = None        # ename, evalue and (from the harness) traceback
    # the traceback's frames in student cells, outermost first: the line of this cell that failed
    # (or called what failed), then the lines it went through, the last one where it was raised
    error_lines: list[CellLine] = field(default_factory=list)
    overrun: Overrun | None = None             # set when the grader stopped the cell
    output_text: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0                   # the notebook's own work in this cell, what its budget counts

    @property
    def number(self) -> int:
        """The cell's number as the student counts (1-based)."""
        return self.index + 1


@dataclass(kw_only=True)
class Execution:
    """The notebook's run: what crosses the boundary of the harness's own execution record."""

    seconds: float = 0.0
    kernel_died: bool = False
    total_timeout: bool = False
    total_waited: bool = False     # the wall-clock backstop ended it, not the budget of work
    cells: list[CellRecord] = field(default_factory=list)

    @property
    def code_cells(self) -> list[CellRecord]:
        """The cells with code to run (not markdown, not blank: both are recorded as skipped)."""
        return [c for c in self.cells if c.status != CellStatus.SKIPPED]

    def defining(self, name: str) -> CellRecord | None:
        """The last cell that defines name at top level, to point feedback at it."""
        return next((c for c in reversed(self.cells) if name in c.defines), None)
