"""`residual_blocks`: how many residual blocks of a type the model runs, recognised by their
structure (grader.architecture.residual), so any class name and any way of writing forward counts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from grader.architecture.description import ModelDescription
from grader.architecture.residual import ResidualBlock, residual_blocks
from grader.checks.architecture.assertion import Assertion, Verdict
from grader.checks.architecture.selectors import Range
from grader.i18n import N_, Text, join

_DESCRIBED = {"any": N_("residual blocks (convolutions added back to their input)"),
              "basic": N_("basic residual blocks (3x3-3x3 convolutions added back to their input)"),
              "bottleneck": N_("bottleneck residual blocks (1x1-3x3-1x1 convolutions added back to their input)"),
              "wide": N_("wide residual blocks (3x3-3x3 convolutions at least {widen:g}x as wide as the block's "
                         "input)")}


class ResidualBlocks(Assertion, Range):
    """`residual_blocks: {type: bottleneck, min: 1}`; `type` is any, basic, bottleneck or wide."""

    type: Literal["any", "basic", "bottleneck", "wide"] = "any"
    widen: float = Field(2.0, gt=1, description="wide: convolutions have at least this many times the input's channels")

    def is_match(self, block: ResidualBlock) -> bool:
        if self.type == "wide":
            return block.widened(self.widen)
        return bool(block.path) and self.type in ("any", block.shape)

    def verdict(self, model: ModelDescription) -> Verdict:
        blocks = residual_blocks(model)
        matching = [block for block in blocks if self.is_match(block)]
        expected = self.counted(Text(_DESCRIBED[self.type].msgid, {"widen": self.widen}))
        if blocks:
            found = N_("{count}; the additions with their residual paths: {blocks}", count=len(matching),
                       blocks=join([b.text() for b in blocks[:6]]))
        else:
            found = N_("0: no addition joins a branch back to its input (is `+ x` / `+ shortcut(x)` missing?)")
        passed = self.holds(len(matching))
        return Verdict(passed, expected, found,
                       marked=() if passed else tuple(step.id for block in blocks
                                                      for step in (block.merge, *block.path)))
