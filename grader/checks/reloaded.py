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
from grader.i18n import N_, join
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
            return failed_probe_outcome(params.model, result.error, N_("compare '{model}' with {path}",
                                                                       model=params.model, path=params.path), evidence)
        predict = Metric.callable(params.callable, evidence.assignment)
        problems = []
        if not result.distinct:
            problems.append(N_("'{model}' is '{original}' itself, not a new instance loaded from the file",
                               model=params.model, original=params.original))
        for name, differs in ((params.model, result.reloaded_differs), (params.original, result.original_differs)):
            if differs:
                problems.append(N_("'{name}' does not hold the weights saved in {path} (differing or missing: "
                                   "{differs})", name=name, path=params.path, differs=", ".join(map(str, differs))))
        if not result.uses_reloaded:
            problems.append(N_("{predict}() does not use '{model}'", predict=predict, model=params.model))
        elif result.uses_original and result.distinct:
            problems.append(N_("{predict}() uses '{original}', the model still in memory", predict=predict,
                               original=params.original))
        cell = evidence.observations.execution.defining(params.model)
        number = cell.number if cell else None
        if problems:
            return Outcome.failed(join(problems), cell=number)
        return Outcome.passed(N_("'{model}' is a new instance holding exactly the weights in {path}, and {predict}() "
                                 "uses it", model=params.model, path=params.path, predict=predict), cell=number)
