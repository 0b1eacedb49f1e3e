"""Human-friendly sizes in specs ("4GiB", "512MB", 1048576) as byte counts."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}


def parse_size(value: int | float | str) -> int:
    """Bytes from an int or a string such as '4GiB'; raises ValueError naming the allowed units."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", str(value))
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {value!r} (use e.g. 512MiB, 4GiB or a number of bytes)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


Size = Annotated[int, BeforeValidator(parse_size)]
