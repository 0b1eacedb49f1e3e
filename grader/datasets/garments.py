"""Render Fashion-MNIST-like 28x28 uint8 garment silhouettes, vectorised.

Each class is a union of boxes, trapezoids and ellipses in a canonical square (u across,
v down, both in [-1, 1]) whose proportions are drawn per sample; every sample then gets its
own rotation, scale, aspect and shift, a brightness, a fabric texture (stripes of random
period and angle) and noise. As in the real set the garment is bright on black. Pullover,
coat and shirt differ only in details (a front opening, a collar, buttons), and sandal,
sneaker and ankle boot share a sole, so the classes are learnable but not trivially so.
"""

from __future__ import annotations

import numpy as np

SIZE = 28
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, size=(n, 1, 1))


def _box(u: np.ndarray, v: np.ndarray, left, right, top, bottom) -> np.ndarray:
    return (u >= left) & (u <= right) & (v >= top) & (v <= bottom)


def _trapezoid(u, v, top, bottom, half_top, half_bottom) -> np.ndarray:
    """Symmetric about u = 0; the half-width changes linearly from top to bottom."""
    t = (v - top) / (bottom - top)
    return (v >= top) & (v <= bottom) & (np.abs(u) <= half_top + t * (half_bottom - half_top))


def _sleeves(u, v, rng, n, shoulder, body, length) -> np.ndarray:
    """Two sleeves hanging from the shoulders, slanting outwards, `length` long."""
    width = _uniform(rng, 0.22, 0.3, n)
    slant = _uniform(rng, 0.2, 0.45, n)
    inner = body + slant * (v - shoulder)
    return (v >= shoulder) & (v <= shoulder + length) & (np.abs(u) >= inner - 0.05) & (np.abs(u) <= inner + width)


def _torso(u, v, rng, n, bottom_low: float, bottom_high: float):
    shoulder = _uniform(rng, -0.75, -0.6, n)
    body = _uniform(rng, 0.42, 0.55, n)
    bottom = _uniform(rng, bottom_low, bottom_high, n)
    neck = ((u / 0.22) ** 2 + ((v - shoulder) / 0.14) ** 2) <= 1
    return _box(u, v, -body, body, shoulder, bottom) & ~neck, shoulder, body


def _tshirt(u, v, rng, n):
    torso, shoulder, body = _torso(u, v, rng, n, 0.65, 0.85)
    return torso | _sleeves(u, v, rng, n, shoulder, body, _uniform(rng, 0.25, 0.45, n))


def _trouser(u, v, rng, n):
    top, bottom = _uniform(rng, -0.9, -0.75, n), _uniform(rng, 0.8, 0.95, n)
    waist = _uniform(rng, 0.3, 0.45, n)
    flare = _uniform(rng, 0.0, 0.12, n)
    t = (v - top) / (bottom - top)
    gap = np.where(t > 0.25, (t - 0.25) * _uniform(rng, 0.08, 0.16, n) / 0.75 + 0.03, 0.0)
    half = waist + flare * t
    return (v >= top) & (v <= bottom) & (np.abs(u) <= half) & (np.abs(u) >= gap)


def _long_sleeved(u, v, rng, n, bottom_low, bottom_high):
    torso, shoulder, body = _torso(u, v, rng, n, bottom_low, bottom_high)
    return torso | _sleeves(u, v, rng, n, shoulder, body, _uniform(rng, 1.05, 1.35, n))


def _pullover(u, v, rng, n):
    return _long_sleeved(u, v, rng, n, 0.55, 0.75)


def _dress(u, v, rng, n):
    top, bottom = _uniform(rng, -0.85, -0.7, n), _uniform(rng, 0.8, 0.95, n)
    waist = _uniform(rng, -0.2, 0.0, n)
    bodice = _trapezoid(u, v, top, waist, _uniform(rng, 0.22, 0.3, n), _uniform(rng, 0.18, 0.24, n))
    skirt = _trapezoid(u, v, waist, bottom, _uniform(rng, 0.18, 0.24, n), _uniform(rng, 0.55, 0.8, n))
    return bodice | skirt


def _coat(u, v, rng, n):
    garment = _long_sleeved(u, v, rng, n, 0.8, 0.95)
    opening = np.abs(u) <= _uniform(rng, 0.03, 0.06, n)
    return garment & ~(opening & (v > -0.45))


def _shirt(u, v, rng, n):
    garment = _long_sleeved(u, v, rng, n, 0.6, 0.8)
    buttons = (np.abs(u) <= 0.05) & (np.cos(v * _uniform(rng, 18, 24, n)) > 0.6) & (v > -0.4)
    collar = (np.abs(np.abs(u) - 0.18) <= 0.07) & (v < -0.45) & (v > -0.75)
    return (garment | collar) & ~buttons


def _sole(u, v, rng, n):
    bottom = _uniform(rng, 0.35, 0.5, n)
    return _box(u, v, -0.9, _uniform(rng, 0.85, 0.95, n), bottom - _uniform(rng, 0.1, 0.16, n), bottom), bottom


def _sandal(u, v, rng, n):
    sole, bottom = _sole(u, v, rng, n)
    period = _uniform(rng, 0.28, 0.4, n)
    straps = (np.cos(np.pi * (u + v) / period) > 0.3) & _box(u, v, -0.75, 0.8, bottom - 0.55, bottom)
    return sole | straps


def _sneaker(u, v, rng, n):
    sole, bottom = _sole(u, v, rng, n)
    height = _uniform(rng, 0.4, 0.55, n)
    toe = _uniform(rng, 0.55, 0.75, n)
    upper = (((u + 0.1) / toe) ** 2 + ((v - bottom) / height) ** 2 <= 1) & (v <= bottom)
    return sole | upper | _box(u, v, -0.85, -0.2, bottom - height, bottom)


def _bag(u, v, rng, n):
    half = _uniform(rng, 0.6, 0.85, n)
    top, bottom = _uniform(rng, -0.3, -0.05, n), _uniform(rng, 0.7, 0.9, n)
    handle_h = _uniform(rng, 0.35, 0.55, n)
    radius = ((u / (half * 0.6)) ** 2 + ((v - top) / handle_h) ** 2)
    handle = (radius <= 1) & (radius >= 0.55) & (v <= top)
    return _box(u, v, -half, half, top, bottom) | handle


def _ankle_boot(u, v, rng, n):
    sole, bottom = _sole(u, v, rng, n)
    shaft_top = _uniform(rng, -0.85, -0.6, n)
    shaft = _box(u, v, -0.85, _uniform(rng, -0.15, 0.05, n), shaft_top, bottom)
    foot = _box(u, v, -0.85, _uniform(rng, 0.75, 0.9, n), bottom - _uniform(rng, 0.4, 0.5, n), bottom)
    return sole | shaft | foot


_SHAPES = (_tshirt, _trouser, _pullover, _dress, _coat, _sandal, _shirt, _sneaker, _bag, _ankle_boot)


def _canonical_grid(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's pixel centres in its own garment coordinates (n, 28, 28) x 2."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    angle = np.radians(rng.normal(0.0, 6.0, size=(n, 1, 1)))
    scale = _uniform(rng, 10.0, 13.0, n)  # pixels per canonical unit
    aspect = _uniform(rng, 0.85, 1.15, n)
    shift = np.clip(rng.normal(0.0, 1.2, size=(2, n, 1, 1)), -2.5, 2.5)
    x = xs - (SIZE - 1) / 2 - shift[0]
    y = ys - (SIZE - 1) / 2 - shift[1]
    cos, sin = np.cos(angle), np.sin(angle)
    return (cos * x + sin * y) / (scale * aspect), (-sin * x + cos * y) / scale


def _shade(rng: np.random.Generator, masks: np.ndarray) -> np.ndarray:
    """Brightness, stripes, soft edges and noise: float images in [0, 1]."""
    n = masks.shape[0]
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    tilt = _uniform(rng, 0.0, np.pi, n)
    period = _uniform(rng, 2.5, 7.0, n)
    stripes = np.sin(2 * np.pi * (np.cos(tilt) * xs + np.sin(tilt) * ys) / period)
    fabric = _uniform(rng, 0.35, 0.95, n) * (1 + _uniform(rng, 0.0, 0.3, n) * stripes)
    image = masks * fabric
    soft = (image + 0.5 * (np.roll(image, 1, 1) + np.roll(image, -1, 1) + np.roll(image, 1, 2)
                           + np.roll(image, -1, 2)) / 4) / 1.5
    noise = rng.normal(0.0, 1.0, size=image.shape) * _uniform(rng, 0.0, 0.08, n)
    return np.clip(soft + noise * masks, 0.0, 1.0)


def render_garments(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, 28, 28), labels uint8 (n,)); the same seed gives the same bytes."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(_SHAPES), size=n).astype(np.uint8)
    u, v = _canonical_grid(rng, n)
    masks = np.zeros((n, SIZE, SIZE), dtype=bool)
    for label, shape in enumerate(_SHAPES):
        rows = np.flatnonzero(labels == label)
        if rows.size:
            masks[rows] = shape(u[rows], v[rows], rng, rows.size)
    return np.rint(_shade(rng, masks.astype(np.float64)) * 255).astype(np.uint8), labels
