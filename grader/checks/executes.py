"""`executes`: the notebook ran end to end, or how far it got. Blank and comment-only cells are
not counted (the harness records them as skipped)."""

from __future__ import annotations

from pydantic import Field

from grader.checks.base import CheckKind, Evidence, Outcome, what_stopped
from grader.contract import CellStatus
from grader.i18n import N_, N_plural
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
            return Outcome.failed(N_("the notebook has no code cells"))
        clean = [c for c in cells if c.status == CellStatus.OK]
        broken = [c for c in cells if c.status != CellStatus.OK]
        observed = N_plural("{clean} of {n} code cell ran without errors",
                            "{clean} of {n} code cells ran without errors", n=len(cells), clean=len(clean))
        if not broken:
            return Outcome.passed(N_plural("the code cell ran without errors", "all {n} code cells ran without errors",
                                           n=len(cells)), observed=observed)
        first = broken[0]
        fraction = len(clean) / len(cells) if params.partial else 0.0
        return Outcome(fraction, what_stopped(evidence, first), expected=N_("every code cell runs"), observed=observed,
                       cell=first.number)

