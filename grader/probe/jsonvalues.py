"""Strict-JSON encoding of Python/numpy values, used on both sides of the trust boundary.

Arrays travel as base64 of their raw bytes with dtype and shape, so NaN survives strict JSON and
the host can rebuild them with np.frombuffer (no pickle, numeric dtypes only).
"""

from __future__ import annotations

import base64
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where it is used: the kernel may have none
    import numpy as np

ARRAY = "__ndarray__"
FLOAT = "__float__"
REPR = "__repr__"
NUMERIC_KINDS = "biufc"


def encode(value: Any, *, depth: int = 0) -> Any:
    """JSON-safe form of value; unknown objects become a short repr."""
    if depth > 20:
        return {REPR: "<nested too deeply>"}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {FLOAT: repr(value)}
    if isinstance(value, (list, tuple)):
        return [encode(item, depth=depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item, depth=depth + 1) for key, item in value.items()}
    array = as_numpy(value)
    if array is not None:
        if array.dtype.kind not in NUMERIC_KINDS:
            return {REPR: _short_repr(value)}
        if array.ndim == 0:
            return encode(array.item(), depth=depth + 1)
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        return {ARRAY: base64.b64encode(little.tobytes(order="C")).decode("ascii"),
                "dtype": little.dtype.str, "shape": list(array.shape)}
    return {REPR: _short_repr(value)}


def as_numpy(value: Any) -> np.ndarray | None:
    """A numpy array for numpy arrays/scalars and torch/TF tensors; None for anything else."""
    try:
        import numpy as np
    except ImportError:
        return None
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    module = type(value).__module__ or ""
    if module.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if module.startswith(("tensorflow", "keras")) and hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return None


def decode(value: Any) -> Any:
    """Inverse of encode on the host: arrays come back as numpy, reprs stay marked dicts."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if ARRAY in value:
            return decode_array(value)
        if FLOAT in value:
            return float(value[FLOAT])
        if REPR in value:
            return value
        return {key: decode(item) for key, item in value.items()}
    return value


def decode_array(value: dict) -> np.ndarray:
    import numpy as np

    dtype = np.dtype(str(value["dtype"]))
    if dtype.kind not in NUMERIC_KINDS:
        raise ValueError(f"refusing non-numeric array dtype {dtype}")
    shape = tuple(int(n) for n in value["shape"])
    data = base64.b64decode(value[ARRAY], validate=True)
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a student's __repr__ may raise anything
        text = f"<{type(value).__name__}: repr failed with {type(exc).__name__}>"
    return text if len(text) <= 300 else text[:297] + "..."
