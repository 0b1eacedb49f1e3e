"""The student's notebook as the host read it: the cells feedback quotes, and how it names a cell.

Feedback names a cell as Jupyter shows it: the execution count saved beside it (`[6]`), and its
place among the notebook's code cells ("code cell 4 of 12"), which holds whatever order the
student ran the cells in. The source quoted beside a failing line is the submitted file's, read
on the host, never text that came back from the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from grader.harness.notebook import Ungradable, load_submission
from grader.i18n import N_, Text


@dataclass(frozen=True)
class CellPlace:
    """Where a cell is, in the ways a student can find it."""

    number: int                     # 1-based among all the notebook's cells, markdown too
    execution_count: int | None     # saved beside the cell (`[6]`); None when it was not run before saving
    code_cell: int | None           # 1-based among the code cells; None when not known
    code_cells: int | None          # how many code cells the notebook has

    @classmethod
    def numbered(cls, index: int) -> CellPlace:
        """A cell known only by its index (its notebook is not at hand)."""
        return cls(number=index + 1, execution_count=None, code_cell=None, code_cells=None)

    def label(self) -> Text:
        """'cell [6] (code cell 4 of 12)', 'code cell 4 of 12' when it has no saved count."""
        if self.code_cell is None:
            return N_("cell {number}", number=self.number)
        if self.execution_count is None:
            return N_("code cell {position} of {total}", position=self.code_cell, total=self.code_cells)
        return N_("cell [{count}] (code cell {position} of {total})", count=self.execution_count,
                  position=self.code_cell, total=self.code_cells)


@dataclass(frozen=True)
class StudentCell:
    source: str
    place: CellPlace


@dataclass(frozen=True)
class StudentNotebook:
    """The submitted notebook's cells, by their index in it (CellRecord.index)."""

    cells: tuple[StudentCell, ...]

    @classmethod
    def of(cls, notebook: NotebookNode) -> StudentNotebook:
        code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
        position = {index: number for number, index in enumerate(code, start=1)}
        cells = []
        for index, cell in enumerate(notebook.cells):
            count = cell.get("execution_count") if cell.cell_type == "code" else None
            cells.append(StudentCell(source=str(cell.source), place=CellPlace(
                number=index + 1, execution_count=count if isinstance(count, int) and count > 0 else None,
                code_cell=position.get(index), code_cells=len(code) if index in position else None)))
        return cls(tuple(cells))

    @classmethod
    def read(cls, path: Path) -> StudentNotebook | None:
        """The notebook at path; None when it is no notebook (it was then graded ungradable)."""
        try:
            return cls.of(load_submission(path))
        except Ungradable:
            return None

    def cell(self, index: int) -> StudentCell | None:
        return self.cells[index] if 0 <= index < len(self.cells) else None

    def place(self, index: int) -> CellPlace:
        """Where cell `index` is; its number alone when this notebook has no such cell."""
        cell = self.cell(index)
        return cell.place if cell else CellPlace.numbered(index)


def place_of(notebook: StudentNotebook | None, index: int) -> CellPlace:
    """Where cell `index` is, by its number alone when the notebook is not at hand (a stored grade
    re-scored without its file)."""
    return notebook.place(index) if notebook else CellPlace.numbered(index)
