"""`function`: call a student function on rubric inputs; compare with the expected values."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from grader.checks.base import CheckKind, Evidence, Outcome, missing_name_outcome, probe_id, short
from grader.checks.values import close_enough, from_rubric, to_wire
from grader.contract import CallRequest, CallResult, ProbeRequest
from grader.i18n import N_
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


class Case(Strict):
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any


class FunctionParams(Strict):
    name: str
    cases: list[Case] = Field(min_length=1)
    rtol: float = 1e-5
    atol: float = 1e-8
    partial: bool = Field(False, description="earn the share of cases that pass")


class Function(CheckKind):
    name = "function"
    Params = FunctionParams

    def probes(self, check: Check, params: FunctionParams, assignment: Assignment) -> list[ProbeRequest]:
        return [CallRequest(id=probe_id(check.id, n), name=params.name, args=to_wire(case.args),
                            kwargs=to_wire(case.kwargs)) for n, case in enumerate(params.cases)]

    def evaluate(self, check: Check, params: FunctionParams, evidence: Evidence) -> Outcome:
        failures = []
        for n, case in enumerate(params.cases):
            result = evidence.observations.result(probe_id(check.id, n), CallResult)
            call = f"{params.name}({', '.join(short(from_rubric(a), 60) for a in case.args)})"
            if not result.ok:
                if "is not defined" in (result.error or ""):
                    return missing_name_outcome(params.name, result.error, evidence, use="callable")
                failures.append((call, short(from_rubric(case.expected)), N_("raised {error}", error=result.error)))
                continue
            got = result.value
            equal, why = close_enough(got, case.expected, rtol=params.rtol, atol=params.atol)
            if not equal:
                returned = (N_("returned {value} ({why})", value=short(got), why=why) if why
                            else N_("returned {value}", value=short(got)))
                failures.append((call, short(from_rubric(case.expected)), returned))
        total = len(params.cases)
        if not failures:
            return Outcome.passed(N_("{name} gave the expected result in all {total} case(s)", name=params.name,
                                     total=total))
        call, expected, observed = failures[0]
        fraction = (total - len(failures)) / total if params.partial else 0.0
        cell = evidence.observations.execution.defining(params.name)
        return Outcome(fraction, N_("{wrong} of {total} case(s) wrong; first: {call} {observed}", wrong=len(failures),
                                    total=total, call=call, observed=observed),
                       expected=f"{call} = {expected}", observed=observed, cell=cell.number if cell else None)
