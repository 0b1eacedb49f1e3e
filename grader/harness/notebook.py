"""Reading an untrusted notebook and injecting the grader's preamble and parameters into it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

SOURCE_INDEX = "grader_source_index"  # cell metadata: position in the student's notebook
INJECTED_TAGS = {"grader-preamble", "injected-parameters"}


class Ungradable(Exception):
    """The file is not a notebook this grader can run; the message tells the student why."""


def load_submission(path: Path, *, max_bytes: int = 50 * 1024**2) -> NotebookNode:
    """Read and validate a notebook, converting nbformat 3 to 4; raise Ungradable with a reason."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Ungradable(f"cannot read the submission: {exc.strerror}") from None
    if size > max_bytes:
        raise Ungradable(f"the notebook is {size / 1024**2:.0f} MiB; at most {max_bytes // 1024**2} MiB is accepted")
    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Ungradable(f"the file is not a Jupyter notebook (not valid JSON: {exc})") from None
    if not isinstance(document, dict) or "cells" not in document and "worksheets" not in document:
        raise Ungradable("the file is JSON but not a Jupyter notebook (it has no 'cells')")
    major = document.get("nbformat")
    if major not in (3, 4):
        raise Ungradable(f"unsupported notebook format version {major!r}; save it with Jupyter (nbformat 4)")
    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:
        raise Ungradable(f"the notebook is not valid nbformat: {_first_line(exc)}") from None
    return notebook


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def assignment_of(notebook: NotebookNode) -> str | None:
    """The assignment id a starter notebook was stamped with, if any."""
    value = notebook.metadata.get("grader", {}).get("assignment")
    return value if isinstance(value, str) else None


def inject(notebook: NotebookNode, *, preamble: str, parameters: dict[str, Any]) -> NotebookNode:
    """A copy with the preamble first and parameters injected after the cell tagged 'parameters'.

    Every student cell keeps its original position in metadata, so feedback can name "cell 7"
    as the student sees it.
    """
    injected = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for index, cell in enumerate(injected.cells):
        cell.metadata[SOURCE_INDEX] = index
    cells = list(injected.cells)
    if parameters:
        position = next((i + 1 for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])), 0)
        cells.insert(position, _tagged(parameter_source(parameters), "injected-parameters"))
    cells.insert(0, _tagged(preamble, "grader-preamble"))
    injected.cells = cells
    return injected


def parameter_source(parameters: dict[str, Any]) -> str:
    lines = ["# Parameters injected by the grader"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    return "\n".join(lines)


def _tagged(source: str, tag: str) -> NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["tags"] = [tag]
    return cell
