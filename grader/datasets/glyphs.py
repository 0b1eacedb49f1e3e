"""Handwriting-like stroke skeletons for the digits 0-9.

Each digit has one or more *variants* (an open or closed 4, a 7 with or without a
crossbar, ...) because real handwriting does; that spread is what keeps the stand-in
MNIST from being trivially linearly separable. A variant is a list of polylines in a
unit box (x to the right, y downwards), densely resampled so the renderer can splat
points instead of rasterising segments.
"""

from __future__ import annotations

import numpy as np

Polyline = np.ndarray  # shape (k, 2), columns (x, y) in the unit box


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float) -> Polyline:
    """Elliptical arc; angles in degrees, 0 = right, 90 = down (y grows downwards)."""
    t = np.radians(np.linspace(start, stop, 48))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _line(*points: tuple[float, float]) -> Polyline:
    return np.asarray(points, dtype=float)


def _join(*parts: Polyline) -> Polyline:
    return np.concatenate(parts, axis=0)


VARIANTS: dict[int, list[list[Polyline]]] = {
    0: [
        [_arc(0.5, 0.5, 0.42, 0.5, 0, 360)],
        [_arc(0.5, 0.5, 0.34, 0.5, -60, 330)],
    ],
    1: [
        [_line((0.5, 0.0), (0.5, 1.0))],
        [_line((0.22, 0.22), (0.55, 0.0), (0.5, 1.0))],
        [_line((0.25, 0.2), (0.55, 0.0), (0.55, 1.0)), _line((0.25, 1.0), (0.85, 1.0))],
    ],
    2: [
        [_join(_arc(0.5, 0.28, 0.42, 0.28, 200, 400), _line((0.0, 1.0), (1.0, 1.0)))],
        [_join(_arc(0.5, 0.3, 0.4, 0.3, 190, 390), _line((0.0, 1.0), (0.5, 0.92), (1.0, 1.0)))],
    ],
    3: [
        [_join(_arc(0.5, 0.26, 0.38, 0.26, 210, 450), _arc(0.5, 0.74, 0.44, 0.26, 270, 510))],
        [_join(_line((0.1, 0.0), (0.9, 0.0), (0.4, 0.42)), _arc(0.5, 0.7, 0.42, 0.3, 280, 510))],
    ],
    4: [
        [_line((0.72, 1.0), (0.72, 0.0), (0.0, 0.68), (1.0, 0.68))],
        [_line((0.12, 0.0), (0.05, 0.6), (1.0, 0.6)), _line((0.78, 0.15), (0.78, 1.0))],
    ],
    5: [
        [_join(_line((0.9, 0.0), (0.2, 0.0), (0.16, 0.45)), _arc(0.5, 0.68, 0.42, 0.32, 220, 500))],
        [_join(_line((0.25, 0.0), (0.2, 0.38)), _arc(0.5, 0.65, 0.4, 0.3, 220, 490)),
         _line((0.25, 0.0), (0.9, -0.02))],
    ],
    6: [
        [_join(_arc(0.8, 0.62, 0.62, 0.62, 260, 180), _arc(0.5, 0.72, 0.32, 0.28, 180, 540))],
        [_join(_line((0.75, 0.0), (0.2, 0.6)), _arc(0.5, 0.72, 0.34, 0.28, 200, 560))],
    ],
    7: [
        [_line((0.0, 0.0), (1.0, 0.0), (0.35, 1.0))],
        [_line((0.0, 0.05), (1.0, 0.0), (0.4, 1.0)), _line((0.3, 0.52), (0.9, 0.5))],
        [_line((0.0, 0.15), (0.0, 0.0), (1.0, 0.0), (0.6, 0.45), (0.45, 1.0))],
    ],
    8: [
        [_arc(0.5, 0.25, 0.32, 0.25, 0, 360), _arc(0.5, 0.74, 0.4, 0.26, 0, 360)],
        [_join(_arc(0.5, 0.25, 0.33, 0.25, 90, 360), _arc(0.5, 0.74, 0.4, 0.26, -90, 270),
               _arc(0.5, 0.25, 0.33, 0.25, 0, 90))],
    ],
    9: [
        [_arc(0.5, 0.3, 0.38, 0.3, 0, 360), _line((0.88, 0.3), (0.78, 1.0))],
        [_join(_arc(0.5, 0.3, 0.38, 0.3, 0, 360), _arc(-0.1, 0.3, 0.98, 0.75, 0, 80))],
    ],
}


def resample(polyline: Polyline, step: float) -> Polyline:
    """Points every `step` units along the polyline (plus its last vertex)."""
    seg = np.diff(polyline, axis=0)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    s = np.append(np.arange(0.0, cum[-1], step), cum[-1])
    return np.stack([np.interp(s, cum, polyline[:, 0]), np.interp(s, cum, polyline[:, 1])], axis=1)


def variant_points(step: float) -> list[tuple[int, np.ndarray]]:
    """(digit, dense points) for every variant, in a fixed order."""
    return [
        (digit, np.concatenate([resample(p, step) for p in strokes]))
        for digit, variants in VARIANTS.items()
        for strokes in variants
    ]
