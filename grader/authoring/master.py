"""A lab's master source: assignments/<id>/master.ipynb, or its jupytext percent-format twin
master.py (each cell named by `# %% id="name"`). Cell ids name the cells for patches and keep
rebuilt notebooks identical, so every cell needs a stable, unique one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from grader.authoring.errors import AuthoringError, CellPlace

MASTER_NAMES = ("master.ipynb", "master.py")
SOLUTION_TAG, PROMPT_TAG = "solution", "prompt"
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")   # nbformat 4.5's cell id
DEFAULT_KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass(frozen=True)
class MasterCell:
    place: CellPlace
    kind: str                 # "code", "markdown" or "raw"
    source: str
    tags: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.place.cell_id


@dataclass(frozen=True)
class Master:
    path: Path
    cells: list[MasterCell]
    kernelspec: dict[str, Any]
    language: str


def find_master(folder: Path) -> Path | None:
    """The master source in an assignment folder; both twins at once is ambiguous."""
    found = [folder / name for name in MASTER_NAMES if (folder / name).is_file()]
    if len(found) > 1:
        raise AuthoringError(f"{folder}: both master.ipynb and master.py: keep one (jupytext can pair them, "
                             "but the build reads a single source)")
    return found[0] if found else None


def read_master(path: Path) -> Master:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthoringError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        if path.suffix == ".py":
            import jupytext

            notebook = jupytext.reads(text, fmt="py:percent")
            ids = [cell.metadata.get("id") for cell in notebook.cells]
        else:
            notebook = nbformat.reads(text, as_version=4)
            ids = [cell.get("id") for cell in notebook.cells]
    except Exception as exc:  # nbformat and jupytext raise many kinds for a damaged file
        raise AuthoringError(f"{path}: not a readable notebook: {exc}") from exc
    cells, seen = [], set()
    for position, (cell, cell_id) in enumerate(zip(notebook.cells, ids), start=1):
        place = CellPlace(path, str(cell_id), position)
        if not isinstance(cell_id, str) or not CELL_ID.match(cell_id):
            hint = ' (# %% id="name")' if path.suffix == ".py" else ""
            raise AuthoringError(f"{path}: cell #{position} needs an id of letters, digits, '-' and '_'{hint}; "
                                 f"found {cell_id!r}")
        if cell_id in seen:
            raise AuthoringError(f"{place.at()}: the id is used by an earlier cell too; ids must be unique")
        seen.add(cell_id)
        tags = tuple(cell.metadata.get("tags", ()))
        cells.append(MasterCell(place, cell.cell_type, cell.source, tags))
    metadata = notebook.metadata
    kernelspec = dict(metadata.get("kernelspec") or DEFAULT_KERNELSPEC)
    language = (metadata.get("language_info") or {}).get("name", "python")
    return Master(path, cells, kernelspec, language)
