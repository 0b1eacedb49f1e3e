"""Plain-text tables for the terminal, fitted to its width: the columns that hold prose (titles,
messages) wrap at word boundaries into what the others leave; nothing is cut. In the command's
language (grader.i18n: --lang), the result's texts as well as the table's own words."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

import click

from grader.i18n import N_, _, current
from grader.report.points import out_of
from grader.report.words import CELL_STATUS, CHECK_STATUS, GRADE_STATUS
from grader.results import CheckResult, GradeResult, Status
from grader.student_notebook import CellPlace

_COLOURS = {"passed": "green", "partial": "yellow", "failed": "red", "pending": "blue"}
GAP = "  "
NARROWEST = 40          # a terminal narrower than this is laid out as if it were this wide
NARROWEST_PROSE = 12    # the least a wrapping column gets


def terminal_width() -> int:
    """The terminal's columns; 80 where there is none (a pipe, a CI log)."""
    return shutil.get_terminal_size((80, 24)).columns


def checks_table(result: GradeResult, *, width: int | None = None) -> str:
    """One submission's checks, its score (rounded as on the page) and its failed cells."""
    width = max(NARROWEST, width or terminal_width())
    result = result.localized(current())
    lines = []
    if result.status not in (Status.UNGRADABLE, Status.ERROR):  # else every row would repeat the one reason
        rows = [(c.title if c.visibility == "public" else _("{title} (hidden)").format(title=c.title),
                 _status(c.status.value), out_of(c.points, c.max_points), _message(c)) for c in result.checks]
        lines = _table((_("check"), _("result"), _("points"), _("message")), rows, width, shares=(2, 0, 0, 3),
                       status=1)
    verdict = _("PASSED") if result.passed else _("BELOW PASS MARK")
    lines += textwrap.wrap(f"{result.submission_id}: {_(GRADE_STATUS[result.status.value].msgid)}, "
                           f"{out_of(result.score, result.max_score)} — {verdict}", width, subsequent_indent="  ")
    if result.message:
        lines += textwrap.wrap(result.message, width, initial_indent="  ", subsequent_indent="  ")
    lines += _cell_lines(result, width)
    return "\n".join(lines)


def _cell_lines(result: GradeResult, width: int) -> list[str]:
    """Each failed cell (or cell a known break notes), named as Jupyter shows it, with the lines it
    failed at (grader/failing_line.py), its error and its hint."""
    lines = []
    for cell in result.cells:
        place = _place(cell)
        words = CELL_STATUS.get(cell["status"])
        lines.append(f"  {place}: {words.render(current()) if words else cell['status']}")
        for excerpt in cell.get("excerpts") or []:
            if heading := _excerpt_heading(excerpt, cell):
                lines.append(f"    {heading}")
            lines += [_cut(f"    {line['number']:>4} {'>' if line['marked'] else ' '} {line['text']}", width)
                      for line in excerpt["lines"]]
        if not cell.get("excerpts") and cell.get("source_head"):  # a grade from before lines were recorded
            lines.append(_cut(f"    {cell['source_head'].strip().splitlines()[0]}", width))
        error = cell.get("error")
        if error:
            first = (f"{error.get('ename')}: {error.get('evalue')}".strip().splitlines() or [""])[0]
            lines += textwrap.wrap(first, width, initial_indent="    ", subsequent_indent="      ")
        hint = cell.get("hint")
        if hint:
            lines += textwrap.wrap(_("hint: {hint}").format(hint=hint["text"]), width, initial_indent="    ",
                                   subsequent_indent="      ")
    return lines


def _status(value: str) -> str:
    return CHECK_STATUS[value].render(current()) if value in CHECK_STATUS else value


def _place(cell: dict) -> str:
    """'cell [6] (code cell 4 of 12)', as the page and the checks' messages name it."""
    place = cell.get("place")
    return (CellPlace(**place).label().render(current()) if place
            else N_("cell {number}", number=cell["number"]).render(current()))


def _excerpt_heading(excerpt: dict, cell: dict) -> str:
    line, here = excerpt["line"], excerpt["place"]["number"] == cell["number"]
    where = CellPlace(**excerpt["place"]).label()
    heading = {"called": N_("line {line} called the code that failed:", line=line),
               "raised": N_("raised at line {line}:", line=line) if here else
               N_("raised in {where}, line {line}:", where=where, line=line),
               "stopped": N_("line {line} was running when it was stopped:", line=line) if here else
               N_("running in {where}, line {line} when it was stopped:", where=where, line=line)}.get(excerpt["role"])
    return heading.render(current()) if heading else ""


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _message(check: CheckResult) -> str:
    """The rubric's own words, then what was actually found (kept in details by scoring)."""
    explanation = check.details.get("explanation")
    return f"{check.message} ({explanation})" if explanation else check.message


def summary_table(results: Sequence[GradeResult], *, width: int | None = None) -> str:
    rows = [(r.submission_id, _(GRADE_STATUS[r.status.value].msgid), out_of(r.score, r.max_score),
             _("pass") if r.passed else _("below"), (r.localized(current()).message or "")[:80]) for r in results]
    lines = _table((_("submission"), _("status"), _("score"), _("mark"), _("note")), rows,
                   max(NARROWEST, width or terminal_width()), shares=(1, 0, 0, 0, 2), status=1)
    return "\n".join(lines)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, *, shares: Sequence[float],
           status: int) -> list[str]:
    """Rows laid out in `width` columns, column `status` coloured. A column with a share > 0 wraps
    at word boundaries: the wrapping columns divide what the others leave in proportion to their
    shares, and one whose longest line fits its part keeps just that (its part goes to the rest)."""
    natural = [max([len(header)] + [_longest_line(row[i]) for row in rows]) for i, header in enumerate(headers)]
    widths = list(natural)
    room = width - len(GAP) * (len(headers) - 1) - sum(n for n, share in zip(natural, shares) if not share)
    wrapping = [i for i, share in enumerate(shares) if share]
    while wrapping:
        total = sum(shares[i] for i in wrapping)
        fitting = [i for i in wrapping if natural[i] <= room * shares[i] / total]
        if not fitting:
            for i in wrapping:
                widths[i] = max(NARROWEST_PROSE, int(room * shares[i] / total))
            break
        for i in fitting:
            room -= natural[i]
            wrapping.remove(i)
    lines = _format_row(headers, widths, bold=True)
    for row in rows:
        lines += _format_row(row, widths, status=status)
    return lines


def _colour(word: str) -> str | None:
    """The colour of a status word, in the command's language."""
    for value, colour in _COLOURS.items():
        if word in (value, _status(value)):
            return colour
    return None


def _longest_line(text: str) -> int:
    return max((len(line) for line in str(text).splitlines()), default=0)


def _wrapped(text: str, width: int) -> list[str]:
    """text in lines of at most width characters, broken between words (inside a word only when
    the word alone is wider)."""
    return [line for paragraph in str(text).splitlines() for line in textwrap.wrap(paragraph, width) or [""]] or [""]


def _format_row(row: Sequence[str], widths: Sequence[int], *, bold: bool = False,
                status: int | None = None) -> list[str]:
    """A row as the terminal lines it takes: its cells wrapped, side by side; a status coloured."""
    cells = [_wrapped(value, widths[i]) for i, value in enumerate(row)]
    lines = []
    for n in range(max(len(cell) for cell in cells)):
        texts = [cell[n] if n < len(cell) else "" for cell in cells]
        last = max((i for i, text in enumerate(texts) if text), default=0)
        parts = []
        for i, text in enumerate(texts[:last + 1]):
            padded = text if i == last else text.ljust(widths[i])
            colour = _colour(text) if i == status else None
            if colour:
                padded = click.style(padded, fg=colour)
            parts.append(click.style(padded, bold=True) if bold else padded)
        lines.append(GAP.join(parts))
    return lines
