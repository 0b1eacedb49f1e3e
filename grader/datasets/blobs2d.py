"""blobs2d: two noisy concentric rings, for the numpy-from-scratch lab.

No line separates a ring from the disc inside it, so logistic regression stays near
chance while a single hidden layer bends the boundary into a closed curve.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.datasets.base import DatasetProvider

SIZES = {"train": 800, "test": 400, "hidden": 400}
RADII = (1.0, 2.0)  # class 0 inside, class 1 outside
RADIAL_NOISE = 0.22
DEST = "work/data/blobs2d.npz"


class Blobs2dProvider(DatasetProvider):
    name = "blobs2d"
    public_file = "blobs2d.npz"
    public_seeds = {"train": 2_000_001, "test": 2_000_002}

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        n = SIZES[split]
        labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
        radius = np.asarray(RADII)[labels] + rng.normal(0.0, RADIAL_NOISE, size=n)
        angle = rng.uniform(0.0, 2 * np.pi, size=n)
        points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        return points.astype(np.float64), labels

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        return [(self.public_dir(cache) / self.public_file, DEST)]
