"""The sample judge: a classifier the grader trains itself, on the host, to score what a
student's generator draws.

Generated images have no labels, so quality is judged by a classifier of the dataset's classes
plus one extra class, "not a sample" (noise, flat images, the blurred average image, pixel-shuffled
digits). Scoring asks how many samples it recognises confidently as a real class and how many
classes they cover. A plain classifier would not do: its confidence on noise is as high as on
digits (logistic regression was tried); the extra class is what tells them apart.

The judge is trained once per dataset cache from the train split (a few seconds) and kept as a
plain .npz of weights in the cache's host-only `hidden/` folder, which never reaches a sandbox.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets import get_provider
from grader.datasets.files import HOST_ONLY_FILE, host_only_folder, write_atomic

VERSION = 1            # bump when the recipe below changes: a cached judge of another version is retrained
HIDDEN_UNITS = 128
EPOCHS = 25
SEED = 0


@dataclass(frozen=True)
class SampleJudge:
    """A one-hidden-layer ReLU network; the last output class means "not a sample"."""

    weights: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # W1, b1, W2, b2

    @property
    def features(self) -> int:
        """Values per image the judge reads (784 for 28x28)."""
        return self.weights[0].shape[0]

    @property
    def classes(self) -> int:
        """The dataset's classes (the "not a sample" output excluded)."""
        return self.weights[3].shape[0] - 1

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(n, classes + 1) probabilities for images scaled to [0, 1], any shape per image."""
        w1, b1, w2, b2 = self.weights
        flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
        logits = np.maximum(flat @ w1 + b1, 0.0) @ w2 + b2
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def judge_path(cache: Path, dataset: str) -> Path:
    return Path(cache) / "hidden" / dataset / f"judge-v{VERSION}.npz"


def load_judge(dataset: str, cache: Path) -> SampleJudge:
    """The cache's judge for `dataset`, trained and stored on first use."""
    path = judge_path(cache, dataset)
    host_only_folder(path.parent)
    if not path.exists():
        images, labels = get_provider(dataset).split(cache, "train")
        buffer = io.BytesIO()
        np.savez(buffer, *train_judge(images, labels).weights)
        write_atomic(path, buffer.getvalue(), mode=HOST_ONLY_FILE)
    with np.load(path, allow_pickle=False) as stored:
        return SampleJudge(tuple(stored[f"arr_{i}"] for i in range(4)))


def train_judge(images: np.ndarray, labels: np.ndarray) -> SampleJudge:
    """Fit the judge on uint8 images and their classes, plus generated "not a sample" images."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    real = images.reshape(len(images), -1).astype(np.float64) / 255.0
    fakes = not_samples(real, np.random.default_rng(SEED))
    classes = int(labels.max()) + 1
    x = np.concatenate([real, fakes])
    y = np.concatenate([labels.astype(np.int64), np.full(len(fakes), classes)])
    model = MLPClassifier(hidden_layer_sizes=(HIDDEN_UNITS,), max_iter=EPOCHS, batch_size=128,
                          random_state=SEED, tol=0.0, n_iter_no_change=EPOCHS)
    with warnings.catch_warnings():  # a fixed number of epochs is the recipe, not a failure to converge
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    (w1, w2), (b1, b2) = model.coefs_, model.intercepts_
    return SampleJudge((w1, b1, w2, b2))


def not_samples(real: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Flattened [0, 1] images that no good generator draws: what failed generators do draw."""
    count, size = len(real) // 4, real.shape[1]
    part = count // 4
    noise = rng.random((part, size))
    flat = np.repeat(rng.random((part, 1)), size, axis=1)
    average = np.clip(real.mean(axis=0) * rng.uniform(0.5, 2.5, (part, 1)) + rng.normal(0, 0.05, (part, size)), 0, 1)
    picked = real[rng.choice(len(real), count - 3 * part, replace=False)]
    shuffled = np.take_along_axis(picked, rng.random(picked.shape).argsort(axis=1), axis=1)
    return np.concatenate([noise, flat, average, shuffled])
