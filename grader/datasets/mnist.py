"""MNIST: a rendered-digit stand-in in both real formats.

Keras reads `~/.keras/datasets/mnist.npz`; torchvision reads the four uncompressed IDX
files in `<root>/MNIST/raw/` and skips downloading when they exist. The .gz copies are
laid out too, as the original distribution ships them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.datasets.base import DatasetProvider
from grader.datasets.files import gzip_bytes, load_npz, write_atomic
from grader.datasets.idx import decode_idx, encode_idx
from grader.datasets.render import render_digits

SIZES = {"train": 12000, "test": 2000, "hidden": 2000}
IDX_FILES = {
    "train-images-idx3-ubyte": "x_train",
    "train-labels-idx1-ubyte": "y_train",
    "t10k-images-idx3-ubyte": "x_test",
    "t10k-labels-idx1-ubyte": "y_test",
}
KERAS_DEST = "home/.keras/datasets/mnist.npz"
TORCHVISION_DIR = "work/data/MNIST/raw"


class MnistProvider(DatasetProvider):
    name = "mnist"
    public_file = "mnist.npz"
    public_seeds = {"train": 1_000_001, "test": 1_000_002}

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return render_digits(seed, SIZES[split])

    def public_arrays(self, cache: Path) -> dict[str, np.ndarray]:
        """Rebuild the .npz from IDX files an instructor supplied, else generate."""
        public = self.public_dir(cache)
        if all((public / name).exists() for name in IDX_FILES):
            return {key: decode_idx((public / name).read_bytes()) for name, key in IDX_FILES.items()}
        return super().public_arrays(cache)

    def write_derived(self, cache: Path) -> None:
        public = self.public_dir(cache)
        arrays: dict[str, np.ndarray] | None = None
        for name, key in IDX_FILES.items():
            raw, packed = public / name, public / f"{name}.gz"
            if not raw.exists():
                arrays = arrays or load_npz(public / self.public_file)
                write_atomic(raw, encode_idx(arrays[key]))
            if not packed.exists():
                write_atomic(packed, gzip_bytes(raw.read_bytes()))

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        public = self.public_dir(cache)
        files = [(public / self.public_file, KERAS_DEST)]
        for name in IDX_FILES:
            files += [(public / name, f"{TORCHVISION_DIR}/{name}"),
                      (public / f"{name}.gz", f"{TORCHVISION_DIR}/{name}.gz")]
        return files
