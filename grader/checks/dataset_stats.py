"""`dataset_stats`: normalisation constants the notebook computed (per-channel mean and std) are
those of the dataset split they claim to come from.

The host computes the statistics itself from the dataset cache (grader/evaluation.py) and hands
them to scoring like labels: the sandbox's copy of the data, or the notebook's word, is never
trusted. Values in [0, 1] or in 0-255 pixel units are both accepted (`scale`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from grader.checks.base import CheckKind, Evidence, Outcome, missing_name_outcome, probe_id, short
from grader.contract import DescribeRequest, DescribeResult, ProbeRequest
from grader.spec.assignment import Assignment, Strict, known_dataset
from grader.spec.rubric import Check

Statistic = Literal["mean", "std"]


class DatasetStatsParams(Strict):
    dataset: str = Field(description="a dataset the grader provides, e.g. cifar10")
    split: Literal["train", "test"] = "train"
    mean: str | None = Field("mean", description="the variable holding the per-channel mean; null: not checked")
    std: str | None = Field("std", description="the variable holding the per-channel std; null: not checked")
    scale: Literal["auto", "unit", "255"] = Field("auto", description="auto: values above 1.5 are 0-255 units")
    atol: float = Field(0.01, gt=0, description="tolerance in [0, 1] units")
    partial: bool = Field(False, description="earn the share of the statistics that match")

    @field_validator("dataset")
    @classmethod
    def _has_splits(cls, name: str) -> str:
        return known_dataset(name, with_splits=True)

    def names(self) -> dict[Statistic, str]:
        given: tuple[tuple[Statistic, str | None], ...] = (("mean", self.mean), ("std", self.std))
        return {statistic: name for statistic, name in given if name}


class DatasetStats(CheckKind):
    name = "dataset_stats"
    Params = DatasetStatsParams

    def probes(self, check: Check, params: DatasetStatsParams, assignment: Assignment) -> list[ProbeRequest]:
        return [DescribeRequest(id=probe_id(check.id, number), name=name)
                for number, name in enumerate(params.names().values())]

    def dataset_statistics(self, check: Check, params: DatasetStatsParams) -> set[str]:
        return {f"{params.dataset}/{params.split}"}

    def evaluate(self, check: Check, params: DatasetStatsParams, evidence: Evidence) -> Outcome:
        truth = evidence.host.statistics.get(f"{params.dataset}/{params.split}")
        if truth is None:
            return Outcome.failed(f"the grader has no statistics of {params.dataset}/{params.split}")
        problems = []
        for number, (statistic, name) in enumerate(params.names().items()):
            result = evidence.observations.result(probe_id(check.id, number), DescribeResult)
            if not result.ok or not result.exists:
                why = result.error or f"'{name}' is not defined in the notebook"
                problems.append(missing_name_outcome(name, why, evidence).message)
                continue
            problem = _compare(name, result.value, np.asarray(truth[statistic], dtype=float), params)
            if problem:
                problems.append(f"{problem}, but the {params.split} split of {params.dataset} has per-channel "
                                f"{statistic} {short(np.round(truth[statistic], 4))}")
        cell = evidence.observations.execution.defining(next(iter(params.names().values()), ""))
        cell_number = cell.number if cell else None
        where = f"the {params.split} split of {params.dataset}"
        if not problems:
            return Outcome.passed(f"{' and '.join(params.names().values())} match {where} "
                                  f"(within {params.atol:g})", cell=cell_number)
        fraction = 1 - len(problems) / len(params.names()) if params.partial else 0.0
        return Outcome(fraction, "; ".join(problems) + f" (in [0, 1] units; tolerance {params.atol:g})",
                       cell=cell_number)


def _compare(name: str, value: object, truth: np.ndarray, params: DatasetStatsParams) -> str | None:
    """Why `value` (one number per channel) is not `truth`, or None when it is."""
    try:
        found = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return f"'{name}' is not numbers (found {short(value)})"
    if found.size != truth.size:
        return f"'{name}' has {found.size} value(s), expected one per channel ({truth.size})"
    if params.scale == "255" or (params.scale == "auto" and np.nanmax(np.abs(found)) > 1.5):
        found = found / 255.0
    if not np.all(np.abs(found - truth) <= params.atol):
        return f"'{name}' is {short(np.round(found, 4))}"
    return None
