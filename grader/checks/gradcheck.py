"""`gradcheck`: a custom autograd Function (or layer) computes correct gradients, compared with
finite differences by torch.autograd.gradcheck inside the kernel (in float64, on a copy)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from grader.architecture.description import TamperEvidence
from grader.checks.base import CheckKind, Evidence, Outcome, failed_probe_outcome, probe_id
from grader.checks.values import to_wire
from grader.contract import GradcheckRequest, GradcheckResult, ProbeRequest
from grader.i18n import N_
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


class GradcheckParams(Strict):
    name: str = Field(description="an autograd.Function subclass, a module class or instance, or a function")
    input_shapes: list[list[int]] = Field(min_length=1, description="one shape per input tensor")
    init_args: list[Any] = Field(default_factory=list, description="arguments when name is a module class")
    init_kwargs: dict[str, Any] = Field(default_factory=dict)
    eps: float = Field(1e-6, gt=0)
    atol: float = Field(1e-4, gt=0)


class Gradcheck(CheckKind):
    name = "gradcheck"
    Params = GradcheckParams

    def probes(self, check: Check, params: GradcheckParams, assignment: Assignment) -> list[ProbeRequest]:
        return [GradcheckRequest(id=probe_id(check.id), name=params.name, input_shapes=params.input_shapes,
                                 init_args=to_wire(params.init_args), init_kwargs=to_wire(params.init_kwargs),
                                 eps=params.eps, atol=params.atol)]

    def evaluate(self, check: Check, params: GradcheckParams, evidence: Evidence) -> Outcome:
        result = evidence.observations.result(probe_id(check.id), GradcheckResult)
        cell = evidence.observations.execution.defining(params.name)
        number = cell.number if cell else None
        if not result.ok:
            return failed_probe_outcome(params.name, result.error,
                                        N_("check the gradients of '{name}'", name=params.name), evidence)
        problem = TamperEvidence.model_validate(result.tamper or {}).problem()
        if problem:
            return Outcome.failed(N_("gradients not checked: {problem}", problem=problem), cell=number)
        if result.passed:
            return Outcome.passed(N_("the gradients of {name} ({target}) match finite differences", name=params.name,
                                     target=result.target), cell=number)
        return Outcome.failed(N_("the gradients of {name} do not match finite differences: {reason}", name=params.name,
                                 reason=result.reason),
                              expected=N_("analytical gradients equal to numerical ones (torch.autograd.gradcheck)"),
                              observed=str(result.reason)[:300], cell=number)
