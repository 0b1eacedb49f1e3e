"""`manual`: points an instructor enters later (e.g. a paper review); pending until then."""

from __future__ import annotations

from pydantic import Field

from grader.checks.base import CheckKind, Evidence, Outcome
from grader.i18n import N_
from grader.spec.assignment import Strict
from grader.spec.rubric import Check


class ManualParams(Strict):
    guidance: str = Field("", description="how to award the points, for whoever grades it")
    heading: str = Field("", description="the markdown heading the answer sits under (any part of it, any case): "
                                         "`grader serve` shows that section of the notebook beside the form")


class Manual(CheckKind):
    name = "manual"
    Params = ManualParams

    def evaluate(self, check: Check, params: ManualParams, evidence: Evidence) -> Outcome:
        return Outcome(None, N_("graded by the instructor; points pending"))
