"""Where in a master source a problem is: the file, the cell (id and position) and the line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.errors import SpecError


class AuthoringError(SpecError):
    """A master source, its patches or what they build is wrong; exit 2, nothing is written."""


@dataclass(frozen=True)
class CellPlace:
    """A cell of a master source: its file, id and 1-based position among the cells."""

    path: Path
    cell_id: str
    position: int

    def at(self, line: int | None = None) -> str:
        where = f"{shown(self.path)}: cell '{self.cell_id}' (#{self.position})"
        return f"{where}, line {line}" if line is not None else where


def shown(path: Path) -> Path:
    """path relative to the current folder when it is inside it: what the author typed."""
    return path.relative_to(Path.cwd()) if path.is_absolute() and path.is_relative_to(Path.cwd()) else path
