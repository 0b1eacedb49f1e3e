"""`output`: a cell's printed output contains given text or matches a pattern
(e.g. a classification report with a row per class)."""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from grader.checks.base import CheckKind, Evidence, Outcome
from grader.i18n import N_
from grader.spec.assignment import Strict
from grader.spec.rubric import Check


class OutputParams(Strict):
    contains: list[str] = Field(default_factory=list, description="every string must appear in one cell's output")
    pattern: str | None = Field(None, description="a regular expression that must match in that same cell")
    cell: int | None = Field(None, ge=1, description="look only at this cell (1-based); default: any cell")
    describe: str = Field("the required output", description="what the student should print, for feedback")

    @model_validator(mode="after")
    def _something_to_find(self) -> OutputParams:
        if not self.contains and not self.pattern:
            raise ValueError("give 'contains', 'pattern' or both")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        return self


class Output(CheckKind):
    name = "output"
    Params = OutputParams

    def evaluate(self, check: Check, params: OutputParams, evidence: Evidence) -> Outcome:
        cells = [c for c in evidence.observations.execution.code_cells if params.cell in (None, c.number)]
        for cell in cells:
            text = cell.output_text
            if (all(s in text for s in params.contains)
                    and (not params.pattern or re.search(params.pattern, text, re.M))):
                return Outcome.passed(N_("found {what} in the output of cell {cell}", what=params.describe,
                                         cell=cell.number), cell=cell.number)
        where = N_("the output of cell {cell}", cell=params.cell) if params.cell else N_("the output of any cell")
        missing = [s for s in params.contains if not any(s in c.output_text for c in cells)]
        verdict = (N_("{what} was not found in {where} (never printed: {missing})", what=params.describe,
                      where=where, missing=", ".join(repr(s) for s in missing[:5])) if missing
                   else N_("{what} was not found in {where}", what=params.describe, where=where))
        return Outcome.failed(verdict, expected=params.describe, cell=params.cell)
