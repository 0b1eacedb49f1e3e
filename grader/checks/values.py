"""Rubric values for the sandbox and comparisons with what came back."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.i18n import N_, Text
from grader.probe.jsonvalues import encode


def to_wire(value: Any) -> Any:
    """Rubric YAML -> probe JSON: {array: [...], dtype: ...} becomes a numpy array."""
    if isinstance(value, dict) and "array" in value:
        return encode(np.asarray(value["array"], dtype=value.get("dtype", "float64")))
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items()}
    return value


def from_rubric(value: Any) -> Any:
    """Rubric YAML -> the Python value it stands for (arrays as numpy)."""
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], dtype=value.get("dtype", "float64"))
    return value


def close_enough(observed: Any, expected: Any, *, rtol: float, atol: float) -> tuple[bool, Text | None]:
    """Numeric values are compared as arrays within tolerance; anything else by equality.
    Returns (equal, why not)."""
    expected = from_rubric(expected)
    if _numeric(expected):
        try:
            got = np.asarray(observed, dtype=float)
        except (TypeError, ValueError):
            return False, N_("expected numbers, got {type}", type=type(observed).__name__)
        want = np.asarray(expected, dtype=float)
        if got.shape != want.shape:
            return False, N_("shape {found} instead of {expected}", found=str(list(got.shape)),
                             expected=str(list(want.shape)))
        if np.isnan(got).any():
            return False, N_("the result contains NaN")
        return bool(np.allclose(got, want, rtol=rtol, atol=atol)), None
    return observed == expected, None


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.ndarray, np.generic)):
        return True
    return isinstance(value, list) and len(value) > 0 and all(_numeric(v) for v in value)
