"""The class report's charts as inline SVG, drawn with matplotlib's Agg backend on the host.

Text stays text in the SVG (the browser draws it, Cyrillic included), and ids are salted with a
fixed string so the same class always gives the same page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  - after choosing the backend
from matplotlib.ticker import MaxNLocator  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.typing import RcKeyType

STYLE: dict[RcKeyType, Any] = {"svg.fonttype": "none", "svg.hashsalt": "grader-class-report", "font.size": 9,
         "axes.spines.top": False, "axes.spines.right": False}
COLOUR = "#0969da"
MARK_COLOUR = "#cf222e"
MAX_LABELLED_BARS = 40


def histogram(values: Sequence[float], *, bins: Sequence[float], xlabel: str, ylabel: str,
              mark: float | None = None, log: bool = False) -> str:
    """`mark`: a dashed vertical line at that value (a threshold); `log`: counts on a log scale,
    so a bar of one stays visible beside one of thousands."""
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(6, 2.8))
        axes.hist(values, bins=list(bins), color=COLOUR, edgecolor="white", log=log)
        if mark is not None:
            axes.axvline(mark, color=MARK_COLOUR, linestyle="--", linewidth=1.5)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        if not log:
            _whole_numbers(axes.yaxis)
        return _svg(figure)


def bars(labels: Sequence[str], values: Sequence[float], *, value_label: str, horizontal: bool = False,
         colours: Sequence[str] | None = None, value_max: float | None = None) -> str:
    """One bar per label; past MAX_LABELLED_BARS the labels are dropped (the table names them).
    Counts get whole-number ticks; `value_max` fixes the value axis (e.g. 100 for percentages)."""
    with plt.rc_context(STYLE):
        if horizontal:
            figure, axes = plt.subplots(figsize=(6, 0.8 + 0.28 * len(labels)))
            axes.barh(range(len(values)), values, color=colours or COLOUR)
            axes.set_yticks(range(len(labels)), [_short(label) for label in labels])
            axes.invert_yaxis()
            axes.set_xlabel(value_label)
        else:
            figure, axes = plt.subplots(figsize=(6, 2.8))
            axes.bar(range(len(values)), values, color=colours or COLOUR)
            if len(labels) <= MAX_LABELLED_BARS:
                axes.set_xticks(range(len(labels)), [_short(label) for label in labels], rotation=45, ha="right")
            else:
                axes.set_xticks([])
            axes.set_ylabel(value_label)
        value_axis = axes.xaxis if horizontal else axes.yaxis
        if all(float(value).is_integer() for value in values):
            _whole_numbers(value_axis)
        if value_max is not None:
            (axes.set_xlim if horizontal else axes.set_ylim)(0, value_max)
        return _svg(figure)


def _short(label: str, width: int = 32) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _whole_numbers(axis: Axis) -> None:
    """Ticks at whole numbers only: the default locator (AutoLocator, a MaxNLocator) takes `integer`."""
    locator = axis.get_major_locator()
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)


def _svg(figure) -> str:  # noqa: ANN001 - a matplotlib Figure
    """The <svg> element alone, to sit inline in the page."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]
