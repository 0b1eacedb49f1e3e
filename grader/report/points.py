"""Points as a person reads them, the same on the feedback page, the class report, the terminal,
in Jupyter and in every export: rounded to two decimals, no trailing zeros (7.857142 -> 7.86,
10.0 -> 10)."""

from __future__ import annotations


def rounded(value: float) -> float:
    """The displayed value as a number: what exports ship, so a score, its percent and its
    fraction agree with the page at the displayed rounding (and LMS importers never see
    0.30000000000000004)."""
    return round(float(value), 2)


def points(value: float) -> str:
    return f"{rounded(value):g}"


def out_of(earned: float, maximum: float) -> str:
    """`7.86/10`: earned of the maximum, as the terminal writes it."""
    return f"{points(earned)}/{points(maximum)}"
