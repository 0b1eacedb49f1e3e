"""Plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

import click

from grader.results import CheckResult, GradeResult

_COLOURS = {"passed": "green", "partial": "yellow", "failed": "red", "pending": "blue"}


def checks_table(result: GradeResult) -> str:
    rows = [(c.title if c.visibility == "public" else f"{c.title} (hidden)", c.status.value,
             f"{round(c.points, 2):g}/{c.max_points:g}", _message(c)) for c in result.checks]
    lines = [_format_row(("check", "result", "points", "message"), widths := _widths(rows, (40, 8, 9)), bold=True)]
    lines += [_format_row(row, widths) for row in rows]
    verdict = "PASSED" if result.passed else "BELOW PASS MARK"
    lines.append(f"{result.submission_id}: {result.status.value}, {result.score:g}/{result.max_score:g} — {verdict}")
    if result.message:
        lines.append(f"  {result.message}")
    lines += _cell_lines(result)
    return "\n".join(lines)


def _cell_lines(result: GradeResult) -> list[str]:
    """Each failed cell (or cell a known break notes) in one line, its hint under it."""
    lines = []
    for cell in result.cells:
        error = cell.get("error")
        what = f"{error.get('ename')}: {error.get('evalue')}" if error else cell.get("source_head", "")
        first = (what.strip().splitlines() or [""])[0]
        lines.append(f"  cell {cell['number']} ({cell['status']}): {first[:150]}")
        hint = cell.get("hint")
        if hint:
            lines.append(f"    hint: {hint['text']}")
    return lines


def _message(check: CheckResult) -> str:
    """The rubric's own words, then what was actually found (kept in details by scoring)."""
    explanation = check.details.get("explanation")
    return f"{check.message} ({explanation})" if explanation else check.message


def summary_table(results: Sequence[GradeResult]) -> str:
    rows = [(r.submission_id, r.status.value, f"{round(r.score, 2):g}/{r.max_score:g}", "pass" if r.passed else "below",
             (r.message or "")[:80]) for r in results]
    widths = _widths(rows, (32, 10, 9, 5))
    lines = [_format_row(("submission", "status", "score", "mark", "note"), widths, bold=True)]
    lines += [_format_row(row, widths) for row in rows]
    return "\n".join(lines)


def _widths(rows: Sequence[Sequence[str]], caps: Sequence[int]) -> list[int]:
    return [min(cap, max([len(str(row[i])) for row in rows] + [6])) for i, cap in enumerate(caps)]


def _format_row(row: Sequence[str], widths: Sequence[int], *, bold: bool = False) -> str:
    cells = []
    for i, value in enumerate(row):
        text = str(value)
        if i < len(widths):
            text = (text if len(text) <= widths[i] else text[: widths[i] - 1] + "…").ljust(widths[i])
        if value in _COLOURS:
            text = click.style(text, fg=_COLOURS[value])
        cells.append(click.style(text, bold=True) if bold else text)
    return "  ".join(cells).rstrip()
