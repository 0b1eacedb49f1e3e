"""`reloaded`: a PyTorch model was saved to a file and loaded into a new instance, and the predict
callable (whose metrics the grader computes) uses that loaded instance, not the model still in
memory. Predictions alone cannot tell the two apart (same weights, same outputs), so the kernel
disturbs each model's last parameter in turn and sees whose change moves the predictions."""

from __future__ import annotations

from pydantic import Field, field_validator

from grader.checks.artifact import ArtifactParams
from grader.checks.base import CheckKind, Evidence, Outcome, failed_probe_outcome, probe_id
from grader.checks.metric import Metric
from grader.contract import ProbeRequest, ReloadRequest, ReloadResult
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


class ReloadedParams(Strict):
    path: str = Field(description="the file the model was saved to, relative to the notebook's folder")
    model: str = Field("loaded_model", description="the instance loaded from the file")
    original: str = Field("model", description="the trained model that was saved")
    callable: str | None = Field(None, description="default: the assignment's objects.predict")

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        return ArtifactParams._relative(value)


class Reloaded(CheckKind):
    name = "reloaded"
    Params = ReloadedParams

    def probes(self, check: Check, params: ReloadedParams, assignment: Assignment) -> list[ProbeRequest]:
        return [ReloadRequest(id=probe_id(check.id), path=params.path, model=params.model, original=params.original,
                              callable=Metric.callable(params.callable, assignment), inputs="eval/public.npy")]

    def evaluation_splits(self, check: Check, params: ReloadedParams) -> set[str]:
        return {"public"}

    def evaluate(self, check: Check, params: ReloadedParams, evidence: Evidence) -> Outcome:
        result = evidence.observations.result(probe_id(check.id), ReloadResult)
        if not result.ok:
            return failed_probe_outcome(params.model, result.error, f"compare '{params.model}' with {params.path}",
                                        evidence)
        predict = Metric.callable(params.callable, evidence.assignment)
        problems = []
        if not result.distinct:
            problems.append(f"'{params.model}' is '{params.original}' itself, not a new instance loaded from the file")
        for name, differs in ((params.model, result.reloaded_differs), (params.original, result.original_differs)):
            if differs:
                problems.append(f"'{name}' does not hold the weights saved in {params.path} "
                                f"(differing or missing: {', '.join(map(str, differs))})")
        if not result.uses_reloaded:
            problems.append(f"{predict}() does not use '{params.model}'")
        elif result.uses_original and result.distinct:
            problems.append(f"{predict}() uses '{params.original}', the model still in memory")
        cell = evidence.observations.execution.defining(params.model)
        number = cell.number if cell else None
        if problems:
            return Outcome.failed("; ".join(problems), cell=number)
        return Outcome.passed(f"'{params.model}' is a new instance holding exactly the weights in {params.path}, "
                              f"and {predict}() uses it", cell=number)
