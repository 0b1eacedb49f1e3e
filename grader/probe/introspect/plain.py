"""Layer settings as plain JSON values: frameworks hand back tuples, torch.Size, numpy scalars and
infinities, and a description must survive strict JSON (no NaN) on its way to the host."""

from __future__ import annotations

import math
from typing import Any


def plain(value: Any, *, depth: int = 0) -> Any:
    """int/float/str/bool/None, or lists of them; anything else becomes a short string."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (list, tuple)) and depth < 3:  # torch.Size is a tuple
        return [plain(item, depth=depth + 1) for item in value[:16]]
    count = value.numel() if hasattr(value, "numel") else getattr(value, "size", None)
    if count == 1 and hasattr(value, "item"):  # numpy scalars, one-element tensors
        try:
            return plain(value.item(), depth=depth + 1)
        except Exception:
            pass
    return str(value)[:120]


def shape_of(tensor: Any) -> list[int | None] | None:
    """The shape of a tensor-like value as a list, None when it has none."""
    shape = getattr(tensor, "shape", None)
    if shape is None:
        return None
    try:
        return [None if size is None else int(size) for size in shape]
    except (TypeError, ValueError):
        return None
