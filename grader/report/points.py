"""Points as a person reads them, the same on the feedback page, the class report, the terminal
and in Jupyter: rounded to two decimals, no trailing zeros (7.857142 -> 7.86, 10.0 -> 10)."""

from __future__ import annotations


def points(value: float) -> str:
    return f"{round(value, 2):g}"


def out_of(earned: float, maximum: float) -> str:
    """`7.86/10`: earned of the maximum, as the terminal writes it."""
    return f"{points(earned)}/{points(maximum)}"
