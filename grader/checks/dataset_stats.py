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
from grader.i18n import N_, Text, join
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
            return Outcome.failed(N_("the grader has no statistics of {dataset}/{split}", dataset=params.dataset,
                                     split=params.split))
        problems = []
        for number, (statistic, name) in enumerate(params.names().items()):
            result = evidence.observations.result(probe_id(check.id, number), DescribeResult)
            if not result.ok or not result.exists:
                problems.append(missing_name_outcome(name, result.error, evidence).message)
                continue
            problem = _compare(name, result.value, np.asarray(truth[statistic], dtype=float), params)
            if problem:
                problems.append(N_("{problem}, but the {split} split of {dataset} has per-channel {statistic} "
                                   "{truth}", problem=problem, split=params.split, dataset=params.dataset,
                                   statistic=statistic, truth=short(np.round(truth[statistic], 4))))
        cell = evidence.observations.execution.defining(next(iter(params.names().values()), ""))
        cell_number = cell.number if cell else None
        if not problems:
            return Outcome.passed(N_("{names} match the {split} split of {dataset} (within {atol:g})",
                                     names=", ".join(params.names().values()), split=params.split,
                                     dataset=params.dataset, atol=params.atol), cell=cell_number)
        fraction = 1 - len(problems) / len(params.names()) if params.partial else 0.0
        return Outcome(fraction, N_("{problems} (in [0, 1] units; tolerance {atol:g})", problems=join(problems),
                                    atol=params.atol), cell=cell_number)


def _compare(name: str, value: object, truth: np.ndarray, params: DatasetStatsParams) -> Text | None:
    """Why `value` (one number per channel) is not `truth`, or None when it is."""
    try:
        found = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return N_("'{name}' is not numbers (found {value})", name=name, value=short(value))
    if found.size != truth.size:
        return N_("'{name}' has {found} value(s), expected one per channel ({expected})", name=name, found=found.size,
                  expected=truth.size)
    if params.scale == "255" or (params.scale == "auto" and np.nanmax(np.abs(found)) > 1.5):
        found = found / 255.0
    if not np.all(np.abs(found - truth) <= params.atol):
        return N_("'{name}' is {value}", name=name, value=short(np.round(found, 4)))
    return None
