"""The unet-seg lab's grading parts: the `shapes` stand-in in its real PNG-folder layout, binary
masks scored by Dice/IoU, and U-Net ("long") skip connections read from real PyTorch models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from grader.datasets import get_provider, provision_sandbox
from grader.metrics import BadPredictions, compute


@pytest.fixture(scope="module")
def shapes_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shapes-cache")
    get_provider("shapes").ensure(path)
    return path


def test_png_folders_hold_the_public_splits(shapes_cache: Path) -> None:
    x_train, y_train = get_provider("shapes").split(shapes_cache, "train")
    assert x_train.shape == (400, 64, 64, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (400, 64, 64) and set(np.unique(y_train)) == {0, 1}
    assert 0.05 < y_train.mean() < 0.5  # shapes cover a real share of each image
    folder = shapes_cache / "public" / "shapes" / "train"
    image = np.asarray(Image.open(folder / "images" / "0007.png"))
    mask = np.asarray(Image.open(folder / "masks" / "0007.png"))
    assert np.array_equal(image, x_train[7]) and np.array_equal(mask, y_train[7] * 255)


def test_sandbox_layout_and_a_secret_hidden_split(shapes_cache: Path, tmp_path: Path) -> None:
    manifest = provision_sandbox(["shapes"], tmp_path, cache=shapes_cache)
    assert len(manifest) == 2 * (400 + 100)
    assert (tmp_path / "work/data/shapes/test/masks/0099.png").is_file()
    provider = get_provider("shapes")
    assert not any("hidden" in name for name in manifest)
    other = tmp_path / "other-cache"
    x_test, _ = provider.split(shapes_cache, "test")
    assert np.array_equal(provider.split(other, "test")[0], x_test)  # public: the same everywhere
    assert not np.array_equal(provider.split(other, "hidden")[0], provider.split(shapes_cache, "hidden")[0])
