"""shapes: a segmentation stand-in for the U-Net lab, laid out as image and mask PNG folders.

Segmentation sets such as the lesson's membrane data or Oxford pets come as `images/` and
`masks/` folders of PNG files with the same names; students read them with PIL. Here each image
is a textured background (colour gradient, stripes, noise) with one to three circles,
rectangles or triangles carrying their own colour and grain; the mask marks the shapes. Colour
alone does not separate shape from background (shapes and stripes share a palette), so a
network must use local context, which a tiny U-Net learns in a few epochs.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from grader.datasets.base import PUBLIC_SPLITS, DatasetProvider
from grader.datasets.files import load_npz, write_atomic

SIZE = 64
SIZES = {"train": 400, "test": 100, "hidden": 150}  # hidden: 150 int64 masks stay under the probe's 8 MiB
SANDBOX_DIR = "work/data/shapes"
MASK_ON = 255  # mask PNGs are 0 (background) and 255 (shape), like the membrane set's labels


def _background(rng: np.random.Generator) -> np.ndarray:
    """A float RGB image in [0, 1]: a linear colour gradient under stripes of another colour."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    start, end, stripe = rng.uniform(0.1, 0.9, size=(3, 3))
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * xs + np.sin(angle) * ys)[..., None]
    image = start + (end - start) * (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
    period, tilt = rng.uniform(6, 16), rng.uniform(0, np.pi)
    waves = 0.5 + 0.5 * np.sin(2 * np.pi * (np.cos(tilt) * xs + np.sin(tilt) * ys) * SIZE / period)
    weight = rng.uniform(0.2, 0.5) * waves[..., None]
    return (1 - weight) * image + weight * stripe


def _shape_mask(rng: np.random.Generator) -> np.ndarray:
    """A boolean mask of one circle, axis-aligned rectangle or triangle, 14-32 px across."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    cy, cx = rng.uniform(8, SIZE - 8, size=2)
    radius = rng.uniform(7, 16)
    kind = rng.integers(3)
    if kind == 0:
        return (ys - cy) ** 2 + (xs - cx) ** 2 <= radius ** 2
    if kind == 1:
        half_h, half_w = radius * rng.uniform(0.5, 1.0, size=2)
        return (np.abs(ys - cy) <= half_h) & (np.abs(xs - cx) <= half_w)
    angles = rng.uniform(0, 2 * np.pi) + np.array([0, 2 * np.pi / 3, 4 * np.pi / 3]) + rng.normal(0, 0.2, 3)
    corners = np.stack([cy + radius * np.sin(angles), cx + radius * np.cos(angles)], axis=1)
    sides = [(bx - ax) * (ys - ay) - (by - ay) * (xs - ax)
             for (ay, ax), (by, bx) in zip(corners, np.roll(corners, -1, axis=0))]
    return np.all([side >= 0 for side in sides], axis=0) | np.all([side <= 0 for side in sides], axis=0)


def render_scene(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One (uint8 RGB image (64, 64, 3), uint8 mask (64, 64) of 0/1) pair."""
    image = _background(rng)
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    for _ in range(rng.integers(1, 4)):
        shape = _shape_mask(rng)
        colour = rng.uniform(0.0, 1.0, size=3)
        grain = rng.normal(0, rng.uniform(0.02, 0.08), size=(SIZE, SIZE, 1))
        image = np.where(shape[..., None], np.clip(colour + grain, 0, 1), image)
        mask |= shape
    image = image + rng.normal(0, 0.03, size=image.shape)
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8), mask.astype(np.uint8)


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


class ShapesProvider(DatasetProvider):
    name = "shapes"
    public_file = "shapes.npz"
    public_seeds = {"train": 3_000_001, "test": 3_000_002}

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        scenes = [render_scene(rng) for _ in range(SIZES[split])]
        return np.stack([image for image, _ in scenes]), np.stack([mask for _, mask in scenes])

    def write_derived(self, cache: Path) -> None:
        """The PNG folders students read, from the .npz (files already there are kept)."""
        arrays: dict[str, np.ndarray] | None = None
        for split in PUBLIC_SPLITS:
            for path, key, index in self._png_files(cache, split):
                if not path.exists():
                    arrays = arrays or load_npz(self.public_dir(cache) / self.public_file)
                    picture = arrays[key][index]
                    write_atomic(path, png_bytes(picture * MASK_ON if key.startswith("y") else picture))

    def _png_files(self, cache: Path, split: str) -> list[tuple[Path, str, int]]:
        folder = self.public_dir(cache) / split
        return [(folder / sub / f"{index:04d}.png", key, index) for index in range(SIZES[split])
                for sub, key in (("images", f"x_{split}"), ("masks", f"y_{split}"))]

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        public = self.public_dir(cache)
        return [(path, f"{SANDBOX_DIR}/{path.relative_to(public).as_posix()}")
                for split in PUBLIC_SPLITS for path, _, _ in self._png_files(cache, split)]
