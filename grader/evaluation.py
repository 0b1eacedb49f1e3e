"""Evaluation data on the host: inputs go to the sandbox as .npy, labels (and the statistics of
the data a notebook was given) stay here."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np

from grader.checks.base import HostData
from grader.datasets import default_cache_dir, get_dataset, get_provider
from grader.errors import InfrastructureError
from grader.judge import SampleJudge, load_judge
from grader.plan import ProbePlan
from grader.spec.assignment import Assignment


def host_data(assignment: Assignment, plan: ProbePlan, cache: Path | None = None) -> tuple[dict[str, bytes], HostData]:
    """(the evaluation inputs the sandbox gets, what only scoring sees) for a plan's checks."""
    files, labels = evaluation_data(assignment, plan.splits, cache)
    return files, HostData(labels=labels, statistics=dataset_statistics(plan.statistics, cache),
                           judges=sample_judges(plan.judges, cache))


def evaluation_data(assignment: Assignment, splits: set[str], cache: Path | None = None
                    ) -> tuple[dict[str, bytes], dict[str, np.ndarray]]:
    """(sandbox files {"eval/<split>.npy": bytes}, labels {split: array}) for the requested splits."""
    files: dict[str, bytes] = {}
    labels: dict[str, np.ndarray] = {}
    for name in sorted(splits):
        split = getattr(assignment.evaluation, name)
        try:
            inputs, truth = get_dataset(split.dataset, assignment.own_datasets).split(cache or default_cache_dir(),
                                                                                      split.split)
        except (KeyError, OSError, ValueError) as exc:  # ValueError: an own dataset's files changed since loading
            raise InfrastructureError(f"evaluation data {split.dataset}/{split.split} is unavailable: {exc}") from exc
        if split.limit:
            inputs, truth = inputs[: split.limit], truth[: split.limit]
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(inputs), allow_pickle=False)
        files[f"eval/{name}.npy"] = buffer.getvalue()
        labels[name] = truth
    return files, labels


def dataset_statistics(keys: set[str], cache: Path | None = None) -> dict[str, dict[str, np.ndarray]]:
    """{"<dataset>/<split>": {"mean", "std"}} per channel, in [0, 1] for uint8 images, computed
    on the host from the cache, so a check never trusts the sandbox's view of the data."""
    return {key: _split_statistics(key, Path(cache or default_cache_dir())) for key in sorted(keys)}


@functools.lru_cache(maxsize=16)
def _split_statistics(key: str, cache: Path) -> dict[str, np.ndarray]:
    """One split's statistics, computed once per process: a batch asks for them per submission,
    and CIFAR-10's training split is 150 M values."""
    dataset, split = key.split("/")
    try:
        inputs, _ = get_provider(dataset).split(cache, split)
    except (KeyError, OSError) as exc:
        raise InfrastructureError(f"dataset {key} is unavailable: {exc}") from exc
    pixels = inputs.astype(np.float64) / (255.0 if inputs.dtype == np.uint8 else 1.0)
    channels = _channels(pixels)
    return {"mean": channels.mean(axis=0), "std": channels.std(axis=0)}


def _channels(pixels: np.ndarray) -> np.ndarray:
    """(values, channels): images (n, H, W, C) or (n, C, H, W) with C of 1, 3 or 4; anything else
    is one channel."""
    if pixels.ndim == 4 and pixels.shape[-1] in (1, 3, 4):
        return pixels.reshape(-1, pixels.shape[-1])
    if pixels.ndim == 4 and pixels.shape[1] in (1, 3, 4):
        return np.moveaxis(pixels, 1, -1).reshape(-1, pixels.shape[1])
    return pixels.reshape(-1, 1)


def sample_judges(datasets: set[str], cache: Path | None = None) -> dict[str, SampleJudge]:
    """The host-only judges of generated samples for these datasets, trained on first use."""
    try:
        return {name: load_judge(name, cache or default_cache_dir()) for name in sorted(datasets)}
    except (KeyError, OSError) as exc:
        raise InfrastructureError(f"the sample judge could not be prepared: {exc}") from exc


def hidden_draw(assignment: Assignment, names: set[str], seed: int) -> dict[str, tuple[bytes, np.ndarray]]:
    """A fresh hidden split for each evaluation name in `names` that reads one, drawn from `seed`
    the way a new dataset cache draws its secret hidden split: {name: (inputs as .npy, labels)}.
    `grader validate --draws` proves a lab's checks on many such draws."""
    drawn: dict[str, tuple[bytes, np.ndarray]] = {}
    for name in sorted(names):
        split = getattr(assignment.evaluation, name)
        if split is None or split.split != "hidden":
            continue
        inputs, truth = get_dataset(split.dataset, assignment.own_datasets).generate("hidden", seed)
        if split.limit:
            inputs, truth = inputs[: split.limit], truth[: split.limit]
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(inputs), allow_pickle=False)
        drawn[name] = (buffer.getvalue(), truth)
    return drawn
