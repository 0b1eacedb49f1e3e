"""`samples`: what a generator draws. The student's sampling callable runs in the sandbox and
returns `n` samples; the host checks their shape and range, then a classifier the grader trained
itself (grader/judge.py, never in the sandbox) judges their quality: samples it recognises
confidently as some class of the dataset, covering many classes (a generator that draws one digit
over and over has collapsed, however clear that digit is).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from grader.checks.base import CheckKind, Evidence, Outcome, failed_probe_outcome, shared_probe, short
from grader.checks.values import to_wire
from grader.contract import ProbeRequest, SampleRequest, SampleResult
from grader.i18n import N_, Message, Text, join
from grader.spec.assignment import Assignment, Strict, known_dataset
from grader.spec.rubric import Check

Aspect = Literal["shape", "quality"]
ASPECTS: tuple[Aspect, ...] = ("shape", "quality")


class SamplesParams(Strict):
    callable: str = Field("sample", description="the student's function: n -> n samples")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="more keyword arguments, e.g. {arch: dcgan}")
    n: int = Field(200, ge=10, le=2000, description="how many samples to draw")
    shape: list[list[int]] = Field(min_length=1, description="accepted shapes of one sample, e.g. [[1, 28, 28], [784]]")
    range: tuple[float, float] = Field(description="the data's range, e.g. [-1, 1]")
    verify: list[Aspect] = Field(default_factory=lambda: list(ASPECTS))
    dataset: str | None = Field(None, description="whose judge scores quality; required for quality")
    confidence: float = Field(0.9, gt=0, lt=1, description="a sample is recognised at this class probability")
    recognised: float = Field(0.5, gt=0, le=1, description="the share of samples that must be recognised")
    classes: float = Field(5.0, ge=1, description="the effective number of classes they must cover")

    @model_validator(mode="after")
    def _consistent(self) -> SamplesParams:
        if not self.verify:
            raise ValueError("verify needs at least one of shape, quality")
        if self.range[0] >= self.range[1]:
            raise ValueError(f"range {list(self.range)} is empty; give [low, high] with low < high")
        if "quality" in self.verify:
            if self.dataset is None:
                raise ValueError("quality is judged by a classifier trained on a dataset; give dataset")
            known_dataset(self.dataset, with_splits=True)
        return self


class Samples(CheckKind):
    name = "samples"
    Params = SamplesParams

    def probes(self, check: Check, params: SamplesParams, assignment: Assignment) -> list[ProbeRequest]:
        return [sample_request(params)]

    def judges(self, check: Check, params: SamplesParams) -> set[str]:
        return {params.dataset} if "quality" in params.verify and params.dataset is not None else set()

    def evaluate(self, check: Check, params: SamplesParams, evidence: Evidence) -> Outcome:
        call = _call_text(params)
        result = evidence.observations.result(sample_request(params).id, SampleResult)
        if not result.ok:
            return failed_probe_outcome(params.callable, result.error,
                                        N_("draw samples with {call}", call=call), evidence)
        samples = result.value
        if not isinstance(samples, np.ndarray):
            return Outcome.failed(N_("{call} returned {value}, not an array or tensor of samples", call=call,
                                     value=short(samples)))
        problems = shape_problems(samples, params)
        observed = N_("{call} has shape {shape}", call=call, shape=str(list(samples.shape)))
        if problems:
            return Outcome.failed(N_("{call}: {problems}", call=call, problems=join(problems)), observed=observed,
                                  expected=_expected_shape(params))
        if "quality" not in params.verify or params.dataset is None:  # quality needs a dataset (the validator)
            return Outcome.passed(N_("{call} has the data's shape and range", call=call), observed=observed)
        return _quality(samples, params, evidence.host.judges[params.dataset], call)


def sample_request(params: SamplesParams) -> SampleRequest:
    """One request per (callable, arguments, n): the shape and the quality checks share it."""
    return shared_probe(SampleRequest(id="", callable=params.callable, n=params.n, kwargs=to_wire(params.kwargs)),
                        "sample")


def shape_problems(samples: np.ndarray, params: SamplesParams) -> list[Text]:
    problems = []
    if samples.ndim == 0 or samples.shape[0] != params.n:
        problems.append(N_("returned shape {shape}, expected {n} samples along the first axis",
                           shape=str(list(samples.shape)), n=params.n))
    elif list(samples.shape[1:]) not in params.shape:
        problems.append(N_("one sample has shape {shape}, expected {expected}", shape=str(list(samples.shape[1:])),
                           expected=_either([str(s) for s in params.shape])))
    if samples.size:
        if not np.isfinite(samples).all():
            problems.append(N_("some values are NaN or infinite"))
        else:
            low, high = params.range
            slack = 1e-3 * (high - low)
            if samples.min() < low - slack or samples.max() > high + slack:
                problems.append(N_("values span [{min:.3g}, {max:.3g}], outside the data's range [{low:g}, {high:g}]",
                                   min=float(samples.min()), max=float(samples.max()), low=low, high=high))
    return problems


def judged(samples: np.ndarray, params: SamplesParams, judge: Any) -> dict[str, Any]:
    """What the judge makes of samples already in the data's range: the share it recognises and
    the effective number of classes among those (exp of the entropy of their class histogram)."""
    low, high = params.range
    scaled = (samples.reshape(len(samples), -1).astype(np.float64) - low) / (high - low)
    probabilities = judge.probabilities(scaled)
    predicted = probabilities.argmax(axis=1)
    recognised = (predicted < judge.classes) & (probabilities.max(axis=1) >= params.confidence)
    histogram = np.bincount(predicted[recognised], minlength=judge.classes)
    shares = histogram[histogram > 0] / max(1, histogram.sum())
    return {"recognised": float(recognised.mean()), "classes": float(np.exp(-(shares * np.log(shares)).sum())),
            "histogram": histogram.tolist()}


def _quality(samples: np.ndarray, params: SamplesParams, judge: Any, call: str) -> Outcome:
    features = int(np.prod(samples.shape[1:]))
    if features != judge.features:
        return Outcome.failed(N_("{call}: a sample has {features} values; the judge reads {judged}", call=call,
                                 features=features, judged=judge.features))
    found = judged(samples, params, judge)
    observed = N_("{recognised:.0%} recognised (probability ≥ {confidence:g}), covering {classes:.1f} classes",
                  recognised=found["recognised"], confidence=params.confidence, classes=found["classes"])
    expected = N_("at least {recognised:.0%} recognised, covering at least {classes:g} classes",
                  recognised=params.recognised, classes=params.classes)
    missed = []
    if found["recognised"] < params.recognised:
        missed.append(N_("only {recognised:.0%} of the samples are recognisable", recognised=found["recognised"]))
    if found["classes"] < params.classes:
        missed.append(N_("they cover only {classes:.1f} classes (few kinds of sample over and over: the generator "
                         "has collapsed)", classes=found["classes"]))
    if missed:
        return Outcome.failed(N_("{call}: {problems}", call=call, problems=join(missed)), expected=expected,
                              observed=observed, details=found)
    return Outcome.passed(N_("{call}: {problems}", call=call, problems=observed), expected=expected,
                          observed=observed, details=found)


def _call_text(params: SamplesParams) -> str:
    arguments = [str(params.n), *(f"{key}={value!r}" for key, value in params.kwargs.items())]
    return f"{params.callable}({', '.join(arguments)})"


def _either(options: list[str]) -> Message:
    """'[1, 28, 28] or [784]'."""
    said: Message = options[-1]
    for option in reversed(options[:-1]):
        said = N_("{first} or {second}", first=option, second=said)
    return said


def _expected_shape(params: SamplesParams) -> Text:
    shapes = _either([str([params.n, *shape]) for shape in params.shape])
    return N_("{shapes}, values in [{low:g}, {high:g}]", shapes=shapes, low=params.range[0], high=params.range[1])
