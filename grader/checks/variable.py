"""`variable`: a name exists with the right type, shape, dtype, range or value."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from grader.checks.base import CheckKind, Evidence, Outcome, missing_name_outcome, probe_id, short
from grader.checks.values import close_enough
from grader.contract import DescribeRequest, DescribeResult, ProbeRequest
from grader.i18n import N_, join
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


class VariableParams(Strict):
    name: str
    type: str | None = Field(None, description="class name or dotted path, matched against the value's classes")
    shape: list[int | None] | None = Field(None, description="null matches any size on that axis")
    dtype: str | None = Field(None, description="prefix match: 'float' accepts float32 and float64")
    length: int | None = None
    min: float | None = None
    max: float | None = None
    equals: Any = None
    rtol: float = 1e-5
    atol: float = 1e-8


class Variable(CheckKind):
    name = "variable"
    Params = VariableParams

    def probes(self, check: Check, params: VariableParams, assignment: Assignment) -> list[ProbeRequest]:
        return [DescribeRequest(id=probe_id(check.id), name=params.name)]

    def evaluate(self, check: Check, params: VariableParams, evidence: Evidence) -> Outcome:
        result = evidence.observations.result(probe_id(check.id), DescribeResult)
        if not result.ok:
            return Outcome.failed(N_("could not inspect '{name}': {error}", name=params.name, error=result.error))
        if not result.exists:
            return missing_name_outcome(params.name, None, evidence)
        problems = list(_problems(params, result))
        cell = evidence.observations.execution.defining(params.name)
        number = cell.number if cell else None
        if problems:
            return Outcome.failed(N_("'{name}': {problems}", name=params.name, problems=join(problems)), cell=number,
                                  observed=f"{result.type} {result.shape or ''}".strip())
        return Outcome.passed(N_("'{name}' is as required", name=params.name), cell=number)


def _problems(params: VariableParams, result: DescribeResult) -> Any:
    kind = result.type
    if params.type and not any(b == params.type or b.endswith("." + params.type) for b in [kind, *result.bases]):
        yield N_("type is {found}, expected {expected}", found=kind, expected=params.type)
    shape = result.shape
    if params.shape is not None and (shape is None or len(shape) != len(params.shape)
                                     or any(w is not None and w != g for w, g in zip(params.shape, shape))):
        yield N_("shape is {found}, expected {expected}", found=str(shape), expected=str(params.shape))
    dtype = result.dtype
    if params.dtype and not (dtype or "").startswith(params.dtype):
        yield N_("dtype is {found}, expected {expected}", found=dtype, expected=params.dtype)
    length = result.length if result.length is not None else (shape[0] if shape else None)
    if params.length is not None and length != params.length:
        yield N_("length is {found}, expected {expected}", found=length, expected=params.length)
    low, high = result.min, result.max  # NaN when the array holds one: it fails both
    if params.min is not None and (low is None or not low >= params.min):
        yield N_("smallest value is {found}, expected at least {expected:g}", found=short(low), expected=params.min)
    if params.max is not None and (high is None or not high <= params.max):
        yield N_("largest value is {found}, expected at most {expected:g}", found=short(high), expected=params.max)
    if params.equals is not None:
        equal, why = close_enough(result.value, params.equals, rtol=params.rtol, atol=params.atol)
        if not equal:
            found, expected = short(result.value), short(params.equals)
            yield (N_("value is {found}, expected {expected} ({why})", found=found, expected=expected, why=why) if why
                   else N_("value is {found}, expected {expected}", found=found, expected=expected))
