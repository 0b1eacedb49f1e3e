"""The class report's charts as inline SVG, drawn with matplotlib's Agg backend on the host.

Text stays text in the SVG (the browser draws it, Cyrillic included), and ids are salted with a
fixed string so the same class always gives the same page.
"""

from __future__ import annotations

import io
import math
import textwrap
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
LABEL_WIDTH = 34            # characters per line of a wrapped category label (a check's title)
LINE_INCHES = 0.16          # one 9-pt line of text, with its leading
BAR_PITCH_INCHES = 0.2      # room along the axis for each labelled bar: more than a rotated 9-pt label needs
MAX_WIDTH_INCHES = 14       # past this many bars, only every k-th is labelled (the table names them all)


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
    """One bar per label. Horizontal bars (few categories: checks, statuses) carry their whole
    label, wrapped onto as many lines as it needs; vertical bars (one per student) get labels
    turned upright, with the figure widened so neighbours never overlap and, past what a page can
    hold, every k-th labelled. Counts get whole-number ticks; `value_max` fixes the value axis."""
    with plt.rc_context(STYLE):
        if horizontal:
            wrapped = [wrap(label) for label in labels]
            lines = max((text.count("\n") + 1 for text in wrapped), default=1)
            pitch = max(0.28, LINE_INCHES * lines + 0.1)
            figure, axes = plt.subplots(figsize=(6, 0.8 + pitch * len(labels)))
            axes.barh(range(len(values)), values, color=colours or COLOUR)
            axes.set_yticks(range(len(labels)), wrapped)
            axes.invert_yaxis()
            axes.set_xlabel(value_label)
        else:
            step = max(1, math.ceil(len(labels) * BAR_PITCH_INCHES / MAX_WIDTH_INCHES))
            width = min(MAX_WIDTH_INCHES, max(6.0, 1 + BAR_PITCH_INCHES * len(labels)))
            figure, axes = plt.subplots(figsize=(width, 2.8))
            axes.bar(range(len(values)), values, color=colours or COLOUR)
            shown = range(0, len(labels), step)
            axes.set_xticks(list(shown), [labels[index] for index in shown], rotation=90, ha="center")
            axes.set_xlim(-0.6, len(labels) - 0.4)
            axes.set_ylabel(value_label)
        value_axis = axes.xaxis if horizontal else axes.yaxis
        if all(float(value).is_integer() for value in values):
            _whole_numbers(value_axis)
        if value_max is not None:
            (axes.set_xlim if horizontal else axes.set_ylim)(0, value_max)
        return _svg(figure)


def wrap(label: str, width: int = LABEL_WIDTH) -> str:
    """The whole label on lines of at most `width` characters, broken between words (a word longer
    than a line is broken too): nothing is cut, so two titles that differ at the end stay different."""
    return "\n".join(textwrap.wrap(label, width, break_on_hyphens=False)) or label


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
