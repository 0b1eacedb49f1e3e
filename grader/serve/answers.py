"""A manual check's answer: the cells of the student's notebook it points at, rendered safely.

A `manual` check names its answer by the markdown heading it sits under (`params.heading`, e.g.
"Paper review"): the answer is that heading's section, from the cell holding the heading to the
next heading of the same or a higher level. Headings survive what students do to notebooks
(inserting, moving and deleting cells), where a cell number would not. Without a heading, or when
the notebook has no such heading, every cell is shown and the page says why.

The notebook is the student's: untrusted. Markdown is rendered by markdown-it-py with raw HTML
turned off (it comes out escaped) and its link check (no `javascript:` URLs); code is escaped
into <pre>; each cell's text is capped. The page's Content-Security-Policy is the second line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

import nbformat
from markdown_it import MarkdownIt
from markupsafe import Markup

MAX_CELL_CHARACTERS = 20_000
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)


@dataclass(frozen=True)
class NotebookCell:
    number: int          # 1-based position among all the notebook's cells
    kind: str            # markdown, code or raw
    source: str


@dataclass(frozen=True)
class ShownCell:
    number: int
    kind: str
    html: Markup         # safe to put in a page as it is


@dataclass(frozen=True)
class Answer:
    cells: list[ShownCell]
    problem: str | None = None   # why these are not (only) the answer's cells


def read_cells(data: bytes) -> list[NotebookCell] | str:
    """The notebook's cells, or why it cannot be read (then the page says so)."""
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"the submission is not a notebook ({exc})"
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a malformed notebook
        return f"the submission is not a notebook nbformat can read ({type(exc).__name__}: {exc})"
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        return "the submission has no cells"
    return [NotebookCell(number, str(cell.get("cell_type", "raw")), _text(cell.get("source", "")))
            for number, cell in enumerate(cells, start=1) if isinstance(cell, dict)]


def answer(data: bytes, heading: str) -> Answer:
    """What the instructor reads beside a manual check whose answer sits under `heading`."""
    cells = read_cells(data)
    if isinstance(cells, str):
        return Answer([], cells)
    if not heading:
        return Answer(_shown(cells), "the rubric names no heading for this check (params.heading): "
                                     "the whole notebook is shown")
    section = section_under(cells, heading)
    if section is None:
        return Answer(_shown(cells), f"no markdown heading contains {heading!r}: the whole notebook is shown")
    return Answer(_shown(section))


def section_under(cells: list[NotebookCell], heading: str) -> list[NotebookCell] | None:
    """The cells from the first markdown heading containing `heading` (any case) to the next
    heading of the same or a higher level; None when there is no such heading."""
    wanted = heading.casefold()
    for index, cell in enumerate(cells):
        level = _level_of(cell, wanted)
        if level is None:
            continue
        section = [cell]
        for later in cells[index + 1:]:
            levels = _levels(later)
            if levels and min(levels) <= level:
                break
            section.append(later)
        return section
    return None


def render_cell(cell: NotebookCell) -> Markup:
    text = cell.source
    cut = len(text) > MAX_CELL_CHARACTERS
    text = text[:MAX_CELL_CHARACTERS]
    if cell.kind == "markdown":
        html = Markup(_markdown().render(text))  # raw HTML is off: markdown-it has escaped it
    else:
        html = Markup("<pre><code>{}</code></pre>").format(text)
    if cut:
        html += Markup('<p class="cut">… the cell goes on for {} more characters</p>').format(
            f"{len(cell.source) - MAX_CELL_CHARACTERS:,}")
    return html


def _shown(cells: list[NotebookCell]) -> list[ShownCell]:
    return [ShownCell(cell.number, cell.kind, render_cell(cell)) for cell in cells]


def _level_of(cell: NotebookCell, wanted: str) -> int | None:
    if cell.kind != "markdown":
        return None
    for match in HEADING.finditer(cell.source):
        if wanted in match.group(2).casefold():
            return len(match.group(1))
    return None


def _levels(cell: NotebookCell) -> list[int]:
    return [len(match.group(1)) for match in HEADING.finditer(cell.source)] if cell.kind == "markdown" else []


def _text(source: object) -> str:
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return str(source)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML off: a student's <script> or <img onerror> is shown as text."""
    return MarkdownIt("commonmark", {"html": False})

