"""The unet-seg lab's grading parts: the `shapes` stand-in in its real PNG-folder layout, binary
masks scored by Dice/IoU, and U-Net ("long") skip connections read from real PyTorch models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from architecture_support import describe, judge
from grader.datasets import get_provider, provision_sandbox
from grader.metrics import BadPredictions, compute
from grader.probe.introspect import tamper

# torch is imported when this module's first test runs (`torch_models`), not when pytest collects
# the file: collection, on every run whatever it selects, must not pay for importing torch.
torch = nn = TinyUNet = DenseBlock = None


@pytest.fixture(scope="module", autouse=True)
def torch_models() -> None:
    global torch, nn, TinyUNet, DenseBlock
    torch = pytest.importorskip("torch")
    nn = torch.nn
    tamper.guard_frameworks()
    TinyUNet, DenseBlock = model_classes()


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


def test_masks_must_be_binary() -> None:
    truth = np.zeros((2, 4, 4), dtype=np.uint8)
    truth[:, :2] = 1
    assert compute("dice", truth, truth.astype(np.int64)[:, None]) == 1.0  # (n, 1, H, W) of 0/1
    assert compute("iou", truth, truth.astype(bool)) == 1.0
    with pytest.raises(BadPredictions, match=r"values other than 0 and 1 \(e.g. 0.9\)"):
        compute("dice", truth, truth * 0.9)  # probabilities are not masks
    with pytest.raises(BadPredictions, match="masks have shape"):
        compute("iou", truth, truth[:, :2])


def model_classes() -> tuple[type, type]:
    """This file's models; defined once torch is imported."""
    class TinyUNet(nn.Module):
        """Two poolings down, two transposed convolutions up; `merge` joins the encoder features
        into the decoder by concatenation, by addition, or not at all."""

        def __init__(self, merge: str = "concat"):
            super().__init__()
            self.merge = merge
            wide = 2 if merge == "concat" else 1
            self.enc1, self.enc2, self.bottom = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.up2, self.up1 = nn.ConvTranspose2d(32, 16, 2, stride=2), nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.dec2, self.dec1 = nn.Conv2d(16 * wide, 16, 3, padding=1), nn.Conv2d(8 * wide, 8, 3, padding=1)
            self.head = nn.Conv2d(8, 1, 1)

        def join(self, decoder, encoder):
            return {"concat": lambda: torch.cat([decoder, encoder], dim=1), "add": lambda: decoder + encoder,
                    "none": lambda: decoder}[self.merge]()

        def forward(self, x):
            e1 = torch.relu(self.enc1(x))
            e2 = torch.relu(self.enc2(self.pool(e1)))
            b = torch.relu(self.bottom(self.pool(e2)))
            d2 = torch.relu(self.dec2(self.join(self.up2(b), e2)))
            return self.head(torch.relu(self.dec1(self.join(self.up1(d2), e1))))

    class DenseBlock(nn.Module):
        """Concatenates its input with a convolution of it at one resolution: a skip, but not a U-Net's."""

        def __init__(self):
            super().__init__()
            self.conv, self.head = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(11, 1, 1)

        def forward(self, x):
            return self.head(torch.cat([x, torch.relu(self.conv(x))], dim=1))

    return TinyUNet, DenseBlock


UNET_SKIPS = {"skip_connections": {"kind": "concat", "min": 2, "long": True}}


def test_unet_concatenations_are_long_skips() -> None:
    verdict = judge(describe(TinyUNet("concat"), shape=[3, 64, 64]), UNET_SKIPS)[0]
    assert verdict.passed and verdict.found.startswith("2 (")


@pytest.mark.parametrize("merge", ["none", "add"])
def test_no_skips_or_skips_by_addition_are_not_concatenations(merge: str) -> None:
    model = describe(TinyUNet(merge), shape=[3, 64, 64])
    verdict = judge(model, UNET_SKIPS)[0]
    assert not verdict.passed
    assert (verdict.expected, verdict.found) == ("at least 2 long (encoder to decoder) skip connections (concat)", "0")
    added = judge(model, {"skip_connections": {"kind": "add", "min": 2, "long": True}})[0]
    assert added.passed == (merge == "add")


def test_a_skip_at_one_resolution_is_not_long() -> None:
    model = describe(DenseBlock(), shape=[3, 16, 16])
    assert judge(model, {"skip_connections": {"kind": "concat", "equals": 1}})[0].passed
    assert not judge(model, {"skip_connections": {"kind": "concat", "min": 1, "long": True}})[0].passed
