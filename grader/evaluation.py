"""Evaluation data on the host: inputs go to the sandbox as .npy, labels stay here."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from grader.datasets import default_cache_dir, get_provider
from grader.errors import InfrastructureError
from grader.spec.assignment import Assignment


def evaluation_data(assignment: Assignment, splits: set[str], cache: Path | None = None
                    ) -> tuple[dict[str, bytes], dict[str, np.ndarray]]:
    """(sandbox files {"eval/<split>.npy": bytes}, labels {split: array}) for the requested splits."""
    files: dict[str, bytes] = {}
    labels: dict[str, np.ndarray] = {}
    for name in sorted(splits):
        split = getattr(assignment.evaluation, name)
        try:
            inputs, truth = get_provider(split.dataset).split(cache or default_cache_dir(), split.split)
        except (KeyError, OSError) as exc:
            raise InfrastructureError(f"evaluation data {split.dataset}/{split.split} is unavailable: {exc}") from exc
        if split.limit:
            inputs, truth = inputs[: split.limit], truth[: split.limit]
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(inputs), allow_pickle=False)
        files[f"eval/{name}.npy"] = buffer.getvalue()
        labels[name] = truth
    return files, labels
