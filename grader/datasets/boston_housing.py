"""boston_housing: a procedural stand-in for the Boston house-price regression set, in Keras's
real `boston_housing.npz` format.

`keras.datasets.boston_housing.load_data(test_split=0.2, seed=113)` reads
`~/.keras/datasets/boston_housing.npz` (keys `x`: float (506, 13), `y`: float (506,)), shuffles
the rows with `np.random.RandomState(seed)` and cuts off the last `test_split` share as the test
set. The grader's public train/test splits are cut the same way from the same file, so the
public evaluation split is exactly the student's `x_test`.

The 13 columns imitate the real ones (CRIM, ZN, INDUS, CHAS, NOX, RM, AGE, DIS, RAD, TAX,
PTRATIO, B, LSTAT) in range and correlation: two latent factors (a neighbourhood's wealth and
its industry) drive them. The price, in k$ between 5 and 50, is a fixed nonlinear function of
RM, LSTAT, NOX, DIS, PTRATIO, CHAS and CRIM plus noise, so linear regression leaves a clearly
larger error than a small network (docs/datasets.md gives the numbers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.datasets.base import DatasetProvider
from grader.datasets.files import load_npz

SIZES = {"public": 506, "hidden": 200}
TEST_SPLIT, KERAS_SEED = 0.2, 113  # load_data()'s defaults: students call it without arguments
DEST = "home/.keras/datasets/boston_housing.npz"
FEATURES = ("CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT")


def houses(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n districts: features (n, 13) float64 in FEATURES order and prices (n,) in k$."""
    rng = np.random.default_rng(seed)
    wealth, industry = rng.normal(size=n), rng.normal(size=n)
    crim = np.exp(-1.2 - 1.1 * wealth + 0.6 * industry + rng.normal(0, 1.0, n)).clip(0.006, 89.0)
    zn = np.where(rng.random(n) < 0.25 + 0.15 * (wealth > 0.5), rng.choice([12.5, 20, 25, 40, 80], n), 0.0)
    indus = (11 + 6 * industry - 1.5 * wealth + rng.normal(0, 2, n)).clip(0.46, 27.7)
    chas = (rng.random(n) < 0.07).astype(float)
    nox = (0.55 + 0.09 * industry - 0.02 * wealth + rng.normal(0, 0.03, n)).clip(0.385, 0.871)
    rm = (6.28 + 0.5 * wealth + rng.normal(0, 0.35, n)).clip(3.56, 8.78)
    age = (68 + 20 * industry - 8 * wealth + rng.normal(0, 12, n)).clip(2.9, 100.0)
    dis = np.exp(1.2 - 0.35 * industry + 0.1 * wealth + rng.normal(0, 0.2, n)).clip(1.13, 12.1)
    rad = np.where(industry + rng.normal(0, 0.5, n) > 1.0, 24.0, rng.integers(1, 9, n).astype(float))
    tax = (400 + 110 * industry - 30 * wealth + rng.normal(0, 50, n)).clip(187, 711)
    ptratio = (18.5 - 1.2 * wealth + 0.6 * industry + rng.normal(0, 1.2, n)).clip(12.6, 22.0)
    b = np.where(rng.random(n) < 0.9, rng.uniform(370, 396.9, n), rng.uniform(0.32, 370, n))
    lstat = np.exp(2.35 - 0.5 * wealth + 0.15 * industry + rng.normal(0, 0.2, n)).clip(1.73, 37.97)
    x = np.stack([crim, zn, indus, chas, nox, rm, age, dis, rad, tax, ptratio, b, lstat], axis=1)
    price = (17 + 30 * np.exp(-lstat / 7) + 10.0 * np.maximum(rm - 6.5, 0) ** 2 + 2 * (rm - 6.28)
             - 1.5 * np.maximum(ptratio - 18, 0) ** 1.5 - 30 * np.maximum(nox - 0.6, 0) + 2.5 * chas
             - 1.5 * np.log1p(crim) + 2.5 * np.sin(1.5 * dis) + rng.normal(0, 1.5, n))
    return np.round(x, 4), np.round(price.clip(5.0, 50.0), 1)


def keras_split(x: np.ndarray, y: np.ndarray, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows `load_data()` returns as `split` ("train" or "test"), cut the way Keras cuts them."""
    order = np.arange(len(x))
    np.random.RandomState(KERAS_SEED).shuffle(order)
    cut = int(len(x) * (1 - TEST_SPLIT))
    rows = order[:cut] if split == "train" else order[cut:]
    return x[rows], y[rows]


class BostonHousingProvider(DatasetProvider):
    name = "boston_housing"
    public_file = "boston_housing.npz"
    public_seeds = {"public": 5_000_001}

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The whole public file ("public") or the held-out districts ("hidden")."""
        return houses(SIZES[split], seed)

    def public_arrays(self, cache: Path) -> dict[str, np.ndarray]:
        x, y = self.generate("public", self.public_seeds["public"])
        return {"x": x, "y": y}

    def split(self, cache: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split not in ("train", "test"):
            return super().split(cache, split)
        self.ensure(cache)
        arrays = load_npz(self.public_dir(cache) / self.public_file, ("x", "y"))
        return keras_split(arrays["x"], arrays["y"], split)

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        return [(self.public_dir(cache) / self.public_file, DEST)]
