"""`kernel_sizes`: how convolution kernels change along the network, as in AlexNet, whose
11x11 first layer gives way to 5x5 and then 3x3 kernels."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from grader.architecture.description import ModelDescription, Step
from grader.checks.architecture.assertion import Assertion, Verdict
from grader.checks.architecture.selectors import LayerSelector
from grader.i18n import N_, Message


def kernel_extent(step: Step) -> int | None:
    """The larger side of a step's kernel (5 for 5, [5, 5] or [5, 3])."""
    size = step.settings.get("kernel_size")
    sides = size if isinstance(size, list) else [size]
    return max(sides) if sides and all(isinstance(side, int) for side in sides) else None


class KernelSizes(Assertion, LayerSelector):
    """`kernel_sizes: {kind: conv2d, order: shrinking}`: in the order the layers run, no kernel
    is larger than the one before it, and the last is smaller than the first."""

    kind: str = Field("conv2d", description="a layer kind with a kernel (default conv2d)")
    order: Literal["shrinking"] = "shrinking"

    def verdict(self, model: ModelDescription) -> Verdict:
        found = self.select(model)
        sizes = [kernel_extent(step) for step in found]
        expected = N_("{layers} whose kernel sizes shrink along the network", layers=self.text(plural=True))
        notes: dict[int, Message] = {
            later.id: N_("kernel {size} after {before}: it must not grow", size="?" if b is None else b,
                         before="?" if a is None else a)
            for later, a, b in zip(found[1:], sizes, sizes[1:]) if a is None or b is None or b > a}
        growing = tuple(notes)
        first, last = (sizes[0], sizes[-1]) if sizes else (None, None)
        passed = len(sizes) >= 2 and not growing and first is not None and last is not None and last < first
        shown = ", ".join("?" if size is None else str(size) for size in sizes) or N_("none")
        found_text = (N_("kernel sizes {sizes} (they grow)", sizes=shown) if growing
                      else N_("kernel sizes {sizes}", sizes=shown))
        return Verdict(passed, expected, found_text, marked=growing, notes=notes)
