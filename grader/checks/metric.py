"""`metric`: the student's predict callable runs on evaluation inputs in the sandbox; the host
scores its predictions against labels that never left the host."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from grader.checks.base import CheckKind, Evidence, Outcome, missing_name_outcome, probe_id
from grader.metrics import LOWER_IS_BETTER, METRICS, BadPredictions, compute
from grader.spec.rubric import Check
from grader.spec.assignment import Assignment, Strict


class Band(Strict):
    at: float = Field(description="metric value from which this share of the points is earned")
    fraction: float = Field(gt=0, lt=1)


class MetricParams(Strict):
    metric: str
    threshold: float = Field(description="full points at or beyond this value")
    split: Literal["public", "hidden"] | None = Field(None, description="default: hidden for hidden checks")
    callable: str | None = Field(None, description="default: the assignment's objects.predict")
    bands: list[Band] = Field(default_factory=list, description="partial credit below the threshold")

    @model_validator(mode="after")
    def _known_metric(self) -> "MetricParams":
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; allowed: {', '.join(METRICS)}")
        return self

    def split_for(self, visibility: str) -> str:
        return self.split or ("hidden" if visibility == "hidden" else "public")


class Metric(CheckKind):
    name = "metric"
    Params = MetricParams

    def probes(self, check: Check, params: MetricParams, assignment: Assignment) -> list[dict]:
        split = params.split_for(check.visibility)
        return [{"id": probe_id(check.id), "op": "predict", "callable": self.callable(params, assignment),
                 "inputs": f"eval/{split}.npy"}]

    def evaluation_splits(self, check: Check, params: MetricParams) -> set[str]:
        return {params.split_for(check.visibility)}

    @staticmethod
    def callable(params: MetricParams, assignment: Assignment) -> str:
        return params.callable or assignment.objects.get("predict", "predict")

    def evaluate(self, check: Check, params: MetricParams, evidence: Evidence) -> Outcome:
        result = evidence.observations.probe(probe_id(check.id))
        split = params.split_for(check.visibility)
        if not result.ok:
            if "is not defined" in (result.error or ""):
                return missing_name_outcome(self.callable(params, evidence.assignment), result.error, evidence)
            return Outcome.failed(f"predicting failed: {result.error}")
        if split not in evidence.labels:
            return Outcome.failed(f"the {split} evaluation data for this check is not available to the grader")
        try:
            value = compute(params.metric, evidence.labels[split], result.decoded_value())
        except BadPredictions as exc:
            return Outcome.failed(f"the predictions could not be scored: {exc}")
        lower = params.metric in LOWER_IS_BETTER
        goal = f"{params.metric} {'≤' if lower else '≥'} {params.threshold:g} on the {split} evaluation set"
        observed = f"{params.metric} = {value:.4f}"
        details = {"metric": params.metric, "value": value, "split": split}
        if (value <= params.threshold) if lower else (value >= params.threshold):
            return Outcome.passed(f"{observed} meets the goal", expected=goal, observed=observed, details=details)
        earned = [b.fraction for b in params.bands if ((value <= b.at) if lower else (value >= b.at))]
        fraction = max(earned, default=0.0)
        message = f"{observed} misses the goal" + (f"; partial credit {fraction:.0%}" if fraction else "")
        return Outcome(fraction, message, expected=goal, observed=observed, details=details)
