"""`metric`: the student's predict callable runs on evaluation inputs in the sandbox; the host
scores its predictions against labels that never left the host. Also: one model must beat
another by a margin (`beats`), and a per-class report the student computed must agree with the
host's own computation from the student's predictions (`reported`)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grader.checks.base import CheckKind, Evidence, Outcome, missing_name_outcome, probe_id
from grader.checks.class_report import Quantity, compare, host_report
from grader.contract import DescribeRequest, DescribeResult, PredictRequest, PredictResult, ProbeRequest
from grader.i18n import N_, Text, join
from grader.metrics import CLASSIFICATION, LOWER_IS_BETTER, METRICS, BadPredictions, compute, foreign_class_ids
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check

PREDICTIONS, BASELINE = 0, 1  # probe numbers; reported variables follow


class Band(Strict):
    at: float = Field(description="metric value from which this share of the points is earned")
    fraction: float = Field(gt=0, lt=1)


class Beats(Strict):
    callable: str = Field(description="the other model's predict function, e.g. a dense baseline's")
    margin: float = Field(0.0, ge=0, description="by at least this much")


class MetricParams(Strict):
    metric: str | None = None
    threshold: float | None = Field(None, description="full points at or beyond this value")
    split: Literal["public", "hidden"] | None = Field(None, description="default: hidden for hidden checks")
    callable: str | None = Field(None, description="default: the assignment's objects.predict")
    bands: list[Band] = Field(default_factory=list, description="partial credit below the threshold")
    beats: Beats | None = Field(None, description="the metric must beat another callable's by a margin")
    reported: dict[Quantity, str] | None = Field(None, description="variables holding the student's own "
                                                 "confusion_matrix / precision / recall, compared with the host's")
    atol: float = Field(0.01, ge=0, description="tolerance for reported values")

    @model_validator(mode="after")
    def _one_goal(self) -> MetricParams:
        if self.reported is not None:
            if self.metric or self.threshold is not None or self.beats or self.bands:
                raise ValueError("reported compares the student's own report; "
                                 "give no metric, threshold, beats or bands")
            if not self.reported:
                raise ValueError("reported names at least one of confusion_matrix, precision, recall")
            return self
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; allowed: {', '.join(METRICS)}")
        if self.threshold is None and self.beats is None:
            raise ValueError("give threshold, beats or both")
        if self.bands and self.threshold is None:
            raise ValueError("bands give partial credit below a threshold; give threshold")
        return self

    def split_for(self, visibility: str) -> str:
        return self.split or ("hidden" if visibility == "hidden" else "public")


class Metric(CheckKind):
    name = "metric"
    Params = MetricParams

    def probes(self, check: Check, params: MetricParams, assignment: Assignment) -> list[ProbeRequest]:
        inputs = f"eval/{params.split_for(check.visibility)}.npy"
        probes: list[ProbeRequest] = [PredictRequest(id=probe_id(check.id, PREDICTIONS),
                                                     callable=self.callable(params.callable, assignment),
                                                     inputs=inputs)]
        if params.beats:
            probes.append(PredictRequest(id=probe_id(check.id, BASELINE), callable=params.beats.callable,
                                         inputs=inputs))
        for number, name in enumerate((params.reported or {}).values(), start=BASELINE + 1):
            probes.append(DescribeRequest(id=probe_id(check.id, number), name=name))
        return probes

    def evaluation_splits(self, check: Check, params: MetricParams) -> set[str]:
        return {params.split_for(check.visibility)}

    @staticmethod
    def callable(name: str | None, assignment: Assignment) -> str:
        """The predict callable: `name` as the rubric gives it, else the assignment's objects.predict."""
        return name or assignment.objects.get("predict", "predict")

    def evaluate(self, check: Check, params: MetricParams, evidence: Evidence) -> Outcome:
        split = params.split_for(check.visibility)
        if split not in evidence.host.labels:
            return Outcome.failed(N_("the {split} evaluation data for this check is not available to the grader",
                                     split=split))
        predictions = _predictions(check, PREDICTIONS, self.callable(params.callable, evidence.assignment), evidence)
        if isinstance(predictions, Outcome):
            return predictions
        if params.reported is not None:
            return _reported(check, params.reported, params.atol, evidence.host.labels[split], predictions, evidence)
        metric = params.metric
        assert metric is not None, "MetricParams requires a metric unless reported is given"
        try:
            value = compute(metric, evidence.host.labels[split], predictions)
        except BadPredictions as exc:
            return Outcome.failed(N_("the predictions could not be scored: {error}", error=exc.text))
        lower = params.metric in LOWER_IS_BETTER
        better = (lambda a, b: a <= b) if lower else (lambda a, b: a >= b)
        observed = f"{params.metric} = {value:.4f}"
        details = {"metric": params.metric, "value": value, "split": split}
        goals: list[Text] = []
        missed: list[Text] = []
        if params.threshold is not None:
            goals.append(N_("{metric} {sign} {threshold:g} on the {split} evaluation set", metric=params.metric,
                            sign="≤" if lower else "≥", threshold=params.threshold, split=split))
            if not better(value, params.threshold):
                missed.append(goals[-1])
        if params.beats:
            baseline = _predictions(check, BASELINE, params.beats.callable, evidence)
            if isinstance(baseline, Outcome):
                return baseline
            try:
                other = compute(metric, evidence.host.labels[split], baseline)
            except BadPredictions as exc:
                return Outcome.failed(N_("the predictions of {callable} could not be scored: {error}",
                                         callable=params.beats.callable, error=exc.text))
            margin = -params.beats.margin if lower else params.beats.margin
            goals.append(N_("below {callable}'s by {margin:g}", callable=params.beats.callable,
                            margin=params.beats.margin) if lower else
                         N_("above {callable}'s by {margin:g}", callable=params.beats.callable,
                            margin=params.beats.margin))
            observed += f", {params.beats.callable}'s = {other:.4f}"
            details["baseline"] = other
            if not better(value, other + margin):
                missed.append(goals[-1])
        goal = join(goals)
        if not missed:
            return Outcome.passed(N_("{observed} meets the goal", observed=observed), expected=goal, observed=observed,
                                  details=details)
        earned = ([b.fraction for b in params.bands if better(value, b.at)]
                  if missed == goals[:1] and params.threshold is not None else [])
        fraction = max(earned, default=0.0)
        foreign = foreign_class_ids(evidence.host.labels[split], predictions) if metric in CLASSIFICATION else None
        parts: list[Text] = [N_("{observed} misses the goal ({missed})", observed=observed, missed=join(missed))]
        if fraction:
            parts.append(N_("partial credit {fraction:.0%}", fraction=fraction))
        if foreign:
            parts.append(N_("your {problem}", problem=foreign))
        return Outcome(fraction, join(parts), expected=goal, observed=observed, details=details)


def _predictions(check: Check, number: int, callable_name: str, evidence: Evidence) -> np.ndarray | Outcome:
    result = evidence.observations.result(probe_id(check.id, number), PredictResult)
    if not result.ok:
        if "is not defined" in (result.error or ""):
            return missing_name_outcome(callable_name, result.error, evidence, use="callable")
        return Outcome.failed(N_("predicting with {callable} failed: {error}", callable=callable_name,
                                 error=result.error))
    return result.value


def _reported(check: Check, reported: dict[Quantity, str], atol: float, labels: np.ndarray,
              predictions: np.ndarray, evidence: Evidence) -> Outcome:
    """The share of the student's reported quantities that match the host's computation."""
    try:
        expected = host_report(labels, predictions)
    except BadPredictions as exc:
        return Outcome.failed(N_("the predictions could not be scored: {error}", error=exc.text))
    problems: list[Text] = []
    for number, (quantity, name) in enumerate(reported.items(), start=BASELINE + 1):
        result = evidence.observations.result(probe_id(check.id, number), DescribeResult)
        if not result.ok or not result.exists:
            problems.append(N_("'{name}' ({quantity}) is not defined in the notebook", name=name, quantity=quantity))
        elif result.value is None:
            problems.append(N_("'{name}' ({quantity}) is a {type}, not a small array of numbers", name=name,
                               quantity=quantity, type=result.type))
        else:
            wrong = compare(quantity, result.value, expected[quantity], atol)
            if wrong:
                problems.append(N_("'{name}' ({quantity}) {problem}", name=name, quantity=quantity, problem=wrong))
    goal = [N_("{name} = the {quantity} of your predictions", name=name, quantity=QUANTITY_WORDS[quantity])
            for quantity, name in reported.items()]
    if not problems:
        return Outcome.passed(N_("your report agrees with the grader's computation from your predictions"),
                              expected=join(goal, ", "))
    fraction = 1 - len(problems) / len(reported)
    foreign = foreign_class_ids(labels, predictions)  # why the grader's report has more classes than the task
    first = [N_("your {problem}", problem=foreign)] if foreign else []
    return Outcome(fraction, join(first + problems), expected=join(goal, ", "))


# a reported quantity in words, in the sentence "predicted = the <quantity> of your predictions"
QUANTITY_WORDS = {"confusion_matrix": N_("confusion matrix"), "precision": N_("precision"), "recall": N_("recall")}
