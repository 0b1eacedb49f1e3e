"""Fashion-MNIST: a rendered-garment stand-in in the real on-disk formats.

Keras's `fashion_mnist.load_data()` reads the four gzipped IDX files from
`~/.keras/datasets/fashion-mnist/` (without a hash check: present files are used as they are);
torchvision's `FashionMNIST` reads the same four files, uncompressed, from
`<root>/FashionMNIST/raw/`. The IDX layout and its derivation from the .npz are MNIST's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.datasets.garments import render_garments
from grader.datasets.mnist import IDX_FILES, MnistProvider

PUBLIC_PARTS = {"train": ((2_000_001, 6000),), "test": ((2_000_002, 1000),)}
HIDDEN_SIZE = 1000
KERAS_DIR = "home/.keras/datasets/fashion-mnist"
TORCHVISION_DIR = "work/data/FashionMNIST/raw"


class FashionMnistProvider(MnistProvider):
    name = "fashion_mnist"
    public_file = "fashion_mnist.npz"
    public_parts = PUBLIC_PARTS
    hidden_size = HIDDEN_SIZE

    @staticmethod
    def draw(seed: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        return render_garments(seed, rows)

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        public = self.public_dir(cache)
        files = []
        for name in IDX_FILES:
            files += [(public / f"{name}.gz", f"{KERAS_DIR}/{name}.gz"),
                      (public / name, f"{TORCHVISION_DIR}/{name}")]
        return files
