"""Reading an untrusted notebook and injecting the grader's preamble and parameters into it."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from grader.contract import DescribeRequest
from grader.i18n import N_, Text

SOURCE_INDEX = "grader_source_index"  # cell metadata: position in the student's notebook
INJECTED_TAGS = {"grader-preamble", "injected-parameters"}


class Ungradable(Exception):
    """The file is not a notebook this grader can run; the message (`text`, translatable) tells the
    student why."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def load_submission(path: Path, *, max_bytes: int = 50 * 1024**2) -> NotebookNode:
    """Read and validate a notebook, converting nbformat 3 to 4; raise Ungradable with a reason."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Ungradable(N_("cannot read the submission: {error}", error=exc.strerror)) from None
    if size > max_bytes:
        raise Ungradable(N_("the notebook is {size:.0f} MiB; at most {limit} MiB is accepted", size=size / 1024**2,
                            limit=max_bytes // 1024**2))
    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Ungradable(N_("the file is not a Jupyter notebook (not valid JSON: {error})", error=str(exc))) from None
    if not isinstance(document, dict) or "cells" not in document and "worksheets" not in document:
        raise Ungradable(N_("the file is JSON but not a Jupyter notebook (it has no 'cells')"))
    major = document.get("nbformat")
    if major not in (3, 4):
        raise Ungradable(N_("unsupported notebook format version {version}; save it with Jupyter (nbformat 4)",
                            version=repr(major)))
    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:
        raise Ungradable(N_("the notebook is not valid nbformat: {error}", error=_first_line(exc))) from None
    return notebook


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def assignment_of(notebook: NotebookNode) -> str | None:
    """The assignment id a starter notebook was stamped with, if any."""
    value = notebook.metadata.get("grader", {}).get("assignment")
    return value if isinstance(value, str) else None


def inject(notebook: NotebookNode, *, preamble: str, parameters: dict[str, Any]) -> NotebookNode:
    """A copy with the preamble first and the parameters injected where parameter_positions says.

    Every student cell keeps its original position in metadata, so feedback can name "cell 7"
    as the student sees it.
    """
    injected = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for index, cell in enumerate(injected.cells):
        cell.metadata[SOURCE_INDEX] = index
    cells = list(injected.cells)
    for position, names in sorted(parameter_positions(cells, list(parameters)).items(), reverse=True):
        cells.insert(position, _tagged(parameter_source({name: parameters[name] for name in names}),
                                       "injected-parameters"))
    cells.insert(0, _tagged(preamble, "grader-preamble"))
    injected.cells = cells
    return injected


def parameter_positions(cells: list[NotebookNode], names: list[str]) -> dict[int, list[str]]:
    """Where each parameter goes, as {index of the cell to insert before: names} (docs/formats.md).

    With a cell tagged `parameters` (papermill's rule): all of them after that cell. Without one:
    each after every cell that assigns it at the top level (`EPOCHS = 30`, not inside a function,
    loop or `if`), so the notebook's own value never outlives the grader's; at the top if no cell
    does. A cell that does not parse, even with its `!shell` and `%magic` lines turned into
    Python, assigns nothing here: if it does overwrite a parameter, the value probe after the run
    (parameter_probes) tells.
    """
    if not names:
        return {}
    tagged = next((i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])), None)
    if tagged is not None:
        return {tagged + 1: names}
    assigned = [_assigned(cell.source) if cell.cell_type == "code" else set() for cell in cells]
    positions: dict[int, list[str]] = {}
    for name in names:
        after = [i + 1 for i, cell_names in enumerate(assigned) if name in cell_names]
        for position in after or [0]:
            positions.setdefault(position, []).append(name)
    return positions


def _assigned(source: str) -> set[str]:
    """Names a cell assigns by a top-level statement; empty if it does not parse."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        tree = ast.parse(TransformerManager().transform_cell(source))
    except Exception:  # a syntax error, or a line IPython itself cannot transform
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            targets = [node.target]
        else:
            continue
        names |= {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def parameter_probes(parameters: dict[str, Any]) -> list[DescribeRequest]:
    """A probe of each parameter's value after the run, to tell whether the injected one held."""
    return [DescribeRequest(id=parameter_probe_id(name), name=name) for name in parameters]


def parameter_probe_id(name: str) -> str:
    return f"__parameter__:{name}"


def has_code(source: str) -> bool:
    """Whether a code cell has anything to run: not blank, not only comments."""
    return any(line.strip() and not line.strip().startswith("#") for line in source.splitlines())


def parameter_source(parameters: dict[str, Any]) -> str:
    lines = ["# Parameters injected by the grader"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    return "\n".join(lines)


def _tagged(source: str, tag: str) -> NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["tags"] = [tag]
    return cell
