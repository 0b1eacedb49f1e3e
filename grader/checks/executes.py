"""`executes`: the notebook ran end to end, or how far it got. Blank and comment-only cells are
not counted (the harness records them as skipped)."""

from __future__ import annotations

from pydantic import Field

from grader.checks.base import CheckKind, Evidence, Outcome
from grader.contract import CellRecord, CellStatus
from grader.spec.assignment import Strict
from grader.spec.rubric import Check


class ExecutesParams(Strict):
    partial: bool = Field(True, description="earn the share of code cells that ran cleanly")


class Executes(CheckKind):
    name = "executes"
    Params = ExecutesParams

    def evaluate(self, check: Check, params: ExecutesParams, evidence: Evidence) -> Outcome:
        cells = evidence.observations.execution.code_cells
        if not cells:
            return Outcome.failed("the notebook has no code cells")
        clean = [c for c in cells if c.status == CellStatus.OK]
        broken = [c for c in cells if c.status != CellStatus.OK]
        observed = f"{len(clean)} of {len(cells)} code cells ran without errors"
        if not broken:
            return Outcome.passed(f"all {len(cells)} code cells ran without errors", observed=observed)
        first = broken[0]
        fraction = len(clean) / len(cells) if params.partial else 0.0
        return Outcome(fraction, _what_happened(first), expected="every code cell runs", observed=observed,
                       cell=first.number)


def _what_happened(cell: CellRecord) -> str:
    """'cell 5 stopped with ValueError: ...', or why it never ran."""
    if cell.error:
        name = cell.error.get("ename")
        return f"cell {cell.number} stopped with {name + ': ' if name else ''}{cell.error.get('evalue', '')}"
    if cell.status == CellStatus.NOT_RUN:
        return f"cell {cell.number} did not run: the notebook stopped before it"
    return f"cell {cell.number} ended with status {cell.status.value}"
