"""`executes`: the notebook ran end to end, or how far it got."""

from __future__ import annotations

from pydantic import Field

from grader.checks.base import CheckKind, Evidence, Outcome
from grader.contract import CellStatus
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
        why = first.error["evalue"] if first.error else "it did not run"
        name = first.error["ename"] + ": " if first.error and first.error.get("ename") else ""
        fraction = len(clean) / len(cells) if params.partial else 0.0
        return Outcome(fraction, f"cell {first.number} stopped with {name}{why}", expected="every code cell runs",
                       observed=observed, cell=first.number)
