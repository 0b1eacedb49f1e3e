"""Render stroke skeletons into MNIST-like 28x28 uint8 digit images, vectorised.

Every sample gets its own smooth warp, affine transform (rotation, shear, scale,
aspect, shift), stroke thickness and noise level, so a linear model cannot simply
memorise templates. Rendering splats dense skeleton points into the grid, blurs with
a Gaussian and thresholds the result: the threshold sets the stroke width, which is
far cheaper than computing distances to every segment.
"""

from __future__ import annotations

import numpy as np

from grader.datasets.glyphs import variant_points

SIZE = 28
GLYPH_PX = 20.0  # MNIST digits are size-normalised into a 20x20 box
STEP = 0.02  # skeleton point spacing, in glyph-box units
BLUR_SIGMA = 0.9


def _blur_matrix() -> np.ndarray:
    idx = np.arange(SIZE)
    k = np.exp(-0.5 * ((idx[:, None] - idx[None, :]) / BLUR_SIGMA) ** 2)
    return (k / (np.sqrt(2 * np.pi) * BLUR_SIGMA)).astype(np.float32)


def _transforms(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample quadratic warp coefficients (n,2,3), linear maps (n,2,2), shifts (n,2)."""
    warp = rng.normal(0.0, 0.35, size=(n, 2, 3))
    angle = np.radians(rng.normal(0.0, 12.0, size=n))
    shear = rng.normal(0.0, 0.18, size=n)
    scale = rng.uniform(0.8, 1.05, size=n) * GLYPH_PX
    aspect = rng.uniform(0.55, 0.8, size=n)
    cos, sin = np.cos(angle), np.sin(angle)
    rot = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shape = np.zeros((n, 2, 2))
    shape[:, 0, 0] = aspect * scale
    shape[:, 0, 1] = shear * scale
    shape[:, 1, 1] = scale
    shift = (SIZE - 1) / 2 + np.clip(rng.normal(0.0, 0.9, size=(n, 2)), -2.0, 2.0)
    return warp, rot @ shape, shift


def _splat(points: np.ndarray) -> np.ndarray:
    """Bilinear point splatting: (n, k, 2) pixel coords (x, y) -> (n, SIZE, SIZE) mass."""
    n = points.shape[0]
    base = np.floor(points).astype(np.int64)
    frac = points - base
    out = np.zeros(n * SIZE * SIZE)
    sample = np.arange(n)[:, None] * SIZE * SIZE
    for dx in (0, 1):
        for dy in (0, 1):
            x, y = base[..., 0] + dx, base[..., 1] + dy
            w = np.abs(1 - dx - frac[..., 0]) * np.abs(1 - dy - frac[..., 1])
            inside = (x >= 0) & (x < SIZE) & (y >= 0) & (y < SIZE)
            flat = np.where(inside, sample + y * SIZE + x, 0)
            out += np.bincount(flat.ravel(), (w * inside).ravel(), minlength=out.size)
    return out.reshape(n, SIZE, SIZE)


def _render_variant(rng: np.random.Generator, skeleton: np.ndarray, n: int) -> np.ndarray:
    """n float images in [0, 1] of one glyph variant."""
    warp, linear, shift = _transforms(rng, n)
    u = skeleton - 0.5
    terms = np.stack([u[:, 0] ** 2, u[:, 0] * u[:, 1], u[:, 1] ** 2], axis=0)
    warped = u[None] + np.einsum("nij,jk->nki", warp, terms)
    pixels = np.einsum("nij,nkj->nki", linear, warped) + shift[:, None, :]
    spacing = STEP * np.sqrt(np.abs(np.linalg.det(linear)))  # mean px between skeleton points
    blur = _blur_matrix()
    density = blur @ _splat(pixels).astype(np.float32) @ blur.T
    density *= (spacing * np.sqrt(2 * np.pi) * BLUR_SIGMA)[:, None, None].astype(np.float32)
    threshold = rng.uniform(0.1, 0.55, size=(n, 1, 1))
    gain = rng.uniform(1.5, 3.0, size=(n, 1, 1))
    ink = np.clip((density - threshold) / (1 - threshold) * gain, 0.0, 1.0)
    noise = rng.normal(0.0, 1.0, size=ink.shape) * rng.uniform(0.0, 0.08, size=(n, 1, 1))
    return np.clip(ink + noise, 0.0, 1.0)


def render_digits(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, 28, 28), labels uint8 (n,)); the same seed gives the same bytes
    (with the same numpy build: vectorised sin/cos may differ in the last ulp across CPUs)."""
    rng = np.random.default_rng(seed)
    variants = variant_points(STEP)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    choice = np.empty(n, dtype=np.int64)
    for digit in range(10):
        options = [i for i, (d, _) in enumerate(variants) if d == digit]
        mine = labels == digit
        choice[mine] = rng.choice(options, size=int(mine.sum()))
    images = np.zeros((n, SIZE, SIZE), dtype=np.uint8)
    for i, (_, skeleton) in enumerate(variants):
        rows = np.flatnonzero(choice == i)
        if rows.size:
            images[rows] = np.rint(_render_variant(rng, skeleton, rows.size) * 255).astype(np.uint8)
    return images, labels
