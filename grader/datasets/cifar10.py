"""cifar10: a procedural CIFAR-10 stand-in in the real python-batch format.

Each class is a shape (a cross, a wide bar, a triangle, a ring, ...) in a class-typical but widely
jittered colour, rotated, scaled and placed at random on a dim, tinted, textured background,
with pixel noise. Colour alone is ambiguous between neighbouring classes and shape varies in size,
angle and place, so a linear model on pixels stays well short of perfect while a small CNN learns
it to about 0.5-0.65 in one epoch.

On disk (public/cifar10/): `cifar-10-batches-py/` (data_batch_1..5, test_batch, batches.meta),
read by torchvision, and `cifar-10-python.tar.gz` holding that folder, what Keras extracts.
Real CIFAR files an instructor drops in are kept and the .npz is rebuilt from them.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

from grader.datasets.base import DatasetProvider
from grader.datasets.cifar_pickle import batch_bytes, meta_bytes, read_batch
from grader.datasets.files import gzip_bytes, load_npz, write_atomic

SIZE = 32
SIZES = {"train": 5000, "test": 1000, "hidden": 1000}
TRAIN_BATCHES = 5
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# Class-typical foreground colours (RGB in [0, 1]); per-image jitter makes neighbours overlap.
PALETTE = np.array([[0.85, 0.85, 0.9], [0.85, 0.15, 0.15], [0.2, 0.5, 0.95], [0.9, 0.6, 0.2],
                    [0.6, 0.4, 0.2], [0.9, 0.8, 0.3], [0.2, 0.8, 0.3], [0.5, 0.3, 0.1],
                    [0.3, 0.3, 0.7], [0.8, 0.3, 0.6]])
BATCH_DIR = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"
BATCH_FILES = [f"data_batch_{i}" for i in range(1, TRAIN_BATCHES + 1)] + ["test_batch", "batches.meta"]
TORCHVISION_DIR = "work/data"
# keras.datasets.cifar10 asks get_file for "cifar-10-batches-py-target" with extract=True, which
# keeps the archive under this name and extracts it beside it on every call.
KERAS_DEST = "home/.keras/datasets/cifar-10-batches-py-target_archive"


def _shape_masks(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 32, 32) float masks in [0, 1] of each label's shape, randomly placed, sized and rotated."""
    n = len(labels)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    centre = rng.uniform(10, 22, size=(n, 2, 1, 1))
    radius = rng.uniform(8, 12, size=(n, 1, 1))
    angle = rng.normal(0, 0.35, size=(n, 1, 1))
    dy, dx = ys - centre[:, 0], xs - centre[:, 1]
    u = (np.cos(angle) * dx + np.sin(angle) * dy) / radius  # shape-local coordinates, ~[-1, 1]
    v = (-np.sin(angle) * dx + np.cos(angle) * dy) / radius
    r = np.hypot(u, v)
    shapes = [
        (np.abs(u) < 1) & (np.abs(v) < 0.22) | (np.abs(v) < 0.8) & (np.abs(u + 0.1) < 0.22),  # cross
        (np.abs(u) < 1) & (np.abs(v) < 0.45),  # wide bar
        (v < 0.6) & (v > -0.9 + 1.5 * np.abs(u)),  # triangle
        (r < 1) & (r > 0.6),  # ring
        (r < 1) & (np.sin(u * 7) > 0),  # striped disc
        r < 0.85,  # disc
        (np.abs(u) < 0.9) & (np.abs(v) < 0.9) & (np.sin(u * 5) * np.sin(v * 5) > 0),  # checker
        (np.abs(u - v) < 0.35) & (r < 1.1),  # diagonal band
        (v > 0) & (r < 1),  # half disc
        (np.maximum(np.abs(u), np.abs(v)) < 0.9) & (np.maximum(np.abs(u), np.abs(v)) > 0.5),  # frame
    ]
    masks = np.zeros((n, SIZE, SIZE), dtype=np.float32)
    for label, shape in enumerate(shapes):
        chosen = labels == label
        masks[chosen] = shape[chosen]
    return masks


def _backgrounds(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 32, 32, 3) float backgrounds: a dim tinted grey under a gradient and a soft texture, so
    the shape stands out by contrast (a bright background made shapes vanish and CNNs stall)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    base = rng.uniform(0.05, 0.45, size=(n, 1, 1, 1)) + rng.normal(0, 0.08, size=(n, 1, 1, 3))  # dim, tinted grey
    slope = rng.normal(0, 0.25, size=(n, 2, 1, 1, 1))
    period, phase = rng.uniform(3, 10, size=(n, 1, 1, 1)), rng.uniform(0, 2 * np.pi, size=(n, 1, 1, 1))
    texture = 0.08 * np.sin(2 * np.pi * (xs + ys)[None, ..., None] * SIZE / period / 4 + phase)
    return base + slope[:, 0] * ys[None, ..., None] + slope[:, 1] * xs[None, ..., None] + texture


def render_images(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images (n, 32, 32, 3), uint8 labels (n,)), balanced over the ten classes."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASS_NAMES)).astype(np.uint8)
    colour = PALETTE[labels] + rng.normal(0, 0.12, size=(n, 3))
    mask = _shape_masks(labels, rng)[..., None]
    images = mask * colour[:, None, None, :] + (1 - mask) * _backgrounds(n, rng)
    images += rng.normal(0, rng.uniform(0.03, 0.1, size=(n, 1, 1, 1)), size=images.shape)
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8), labels


def archive_bytes(folder: Path) -> bytes:
    """The batches folder as a reproducible .tar.gz (fixed mtimes and owners), like the real one."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name in BATCH_FILES:
            data = (folder / name).read_bytes()
            info = tarfile.TarInfo(f"{BATCH_DIR}/{name}")
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return gzip_bytes(buffer.getvalue())


class Cifar10Provider(DatasetProvider):
    name = "cifar10"
    public_file = "cifar10.npz"
    public_seeds = {"train": 3_000_001, "test": 3_000_002}

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return render_images(seed, SIZES[split])

    def public_arrays(self, cache: Path) -> dict[str, np.ndarray]:
        """Rebuild the .npz from batch files an instructor supplied, else generate."""
        folder = self.public_dir(cache) / BATCH_DIR
        if not all((folder / name).exists() for name in BATCH_FILES):
            return super().public_arrays(cache)
        train = [read_batch((folder / name).read_bytes()) for name in BATCH_FILES[:TRAIN_BATCHES]]
        x_test, y_test = read_batch((folder / "test_batch").read_bytes())
        return {"x_train": np.concatenate([x for x, _ in train]), "y_train": np.concatenate([y for _, y in train]),
                "x_test": x_test, "y_test": y_test}

    def write_derived(self, cache: Path) -> None:
        public = self.public_dir(cache)
        folder = public / BATCH_DIR
        arrays: dict[str, np.ndarray] | None = None
        for name in BATCH_FILES:
            if (folder / name).exists():
                continue
            arrays = arrays or load_npz(public / self.public_file)
            write_atomic(folder / name, self._batch_file(name, arrays))
        if not (public / ARCHIVE).exists():
            write_atomic(public / ARCHIVE, archive_bytes(folder))

    @staticmethod
    def _batch_file(name: str, arrays: dict[str, np.ndarray]) -> bytes:
        if name == "batches.meta":
            return meta_bytes(CLASS_NAMES, len(arrays["x_train"]) // TRAIN_BATCHES)
        if name == "test_batch":
            return batch_bytes("testing batch 1 of 1", arrays["x_test"], arrays["y_test"])
        index = int(name.rsplit("_", 1)[1]) - 1
        x, y = (np.array_split(arrays[key], TRAIN_BATCHES)[index] for key in ("x_train", "y_train"))
        return batch_bytes(f"training batch {index + 1} of {TRAIN_BATCHES}", x, y)

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        public = self.public_dir(cache)
        files = [(public / ARCHIVE, KERAS_DEST)]
        files += [(public / BATCH_DIR / name, f"{TORCHVISION_DIR}/{BATCH_DIR}/{name}") for name in BATCH_FILES]
        return files
