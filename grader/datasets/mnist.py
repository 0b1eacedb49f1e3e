"""MNIST: a rendered-digit stand-in in both real formats.

Keras reads `~/.keras/datasets/mnist.npz`; torchvision reads the four uncompressed IDX
files in `<root>/MNIST/raw/` and skips downloading when they exist. The .gz copies are
laid out too, as the original distribution ships them.

Sizes: the test split has the real MNIST's 10,000 images, so a notebook written for the real set
(`x_test[7270]`, `x_test.reshape(10000, 784)`) runs; its first 2,000 are the whole test split of
graders before it grew (same seed), the rest come from a seed of their own. The training split
stays at 12,000 of the real 60,000: every notebook that trains on all of it (mnist-mlp's
reference does) would train five times longer. docs/datasets.md gives the figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from grader.datasets.base import DatasetProvider, drawn_in_parts
from grader.datasets.files import gzip_bytes, load_npz, npz_rows, write_atomic
from grader.datasets.idx import decode_idx, encode_idx
from grader.datasets.render import render_digits

# Each public split is drawn in (fixed seed, rows) parts, one after another; a split grows by a part.
PUBLIC_PARTS = {"train": ((1_000_001, 12000),), "test": ((1_000_002, 2000), (1_000_003, 8000))}
HIDDEN_SIZE = 2000
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
    public_parts: Mapping[str, tuple[tuple[int, int], ...]] = PUBLIC_PARTS
    hidden_size = HIDDEN_SIZE

    @staticmethod
    def draw(seed: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """`rows` (images, labels) from `seed`."""
        return render_digits(seed, rows)

    def size(self, split: str) -> int:
        return self.hidden_size if split == "hidden" else sum(rows for _, rows in self.public_parts[split])

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return self.draw(seed, self.size(split))

    def public_split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        return drawn_in_parts(self.draw, self.public_parts[split])

    def public_arrays(self, cache: Path) -> dict[str, np.ndarray]:
        """Rebuild the .npz from IDX files an instructor supplied, else generate."""
        public = self.public_dir(cache)
        if all((public / name).exists() for name in IDX_FILES):
            return {key: decode_idx((public / name).read_bytes()) for name, key in IDX_FILES.items()}
        return super().public_arrays(cache)

    def earlier_stand_in(self, cache: Path) -> bool:
        """True where the .npz holds a split shorter than now whose labels are exactly its leading
        parts': what a grader generated before the split grew. Real data an instructor supplied
        never has those labels, and is kept."""
        path = self.public_dir(cache) / self.public_file
        if not path.exists():
            return False
        for split, parts in self.public_parts.items():
            rows = npz_rows(path, f"y_{split}")
            leading = [part for count, part in enumerate(parts) if sum(n for _, n in parts[:count + 1]) <= rows]
            if rows < self.size(split) and leading and sum(n for _, n in leading) == rows:
                labels = load_npz(path, (f"y_{split}",))[f"y_{split}"]
                return bool(np.array_equal(labels, drawn_in_parts(self.draw, leading)[1]))
        return False

    def derived_files(self, cache: Path) -> list[Path]:
        public = self.public_dir(cache)
        return [public / f"{name}{suffix}" for name in IDX_FILES for suffix in ("", ".gz")]

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
