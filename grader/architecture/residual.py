"""Residual blocks recognised by structure, not by class name: an addition whose operands split
from a common point, with convolutions on one branch (the residual path) and an identity or a
projection on the other (the shortcut). The residual path's kernel sizes say which block it is:
3x3-3x3 a basic block, 1x1-3x3-1x1 a bottleneck; a basic block whose convolutions have at least
`widen` times the channels of the block's input is a wide (WRN) block."""

from __future__ import annotations

from dataclasses import dataclass

from grader.architecture.description import ModelDescription, Step
from grader.i18n import N_, Message

CONVOLUTIONS = ("conv1d", "conv2d", "conv3d")
SHAPES = {(3, 3): "basic", (1, 3, 1): "bottleneck"}


@dataclass(frozen=True)
class ResidualBlock:
    merge: Step                  # the addition that closes the block
    path: tuple[Step, ...]       # convolutions on the residual path, in order
    shortcut: tuple[Step, ...]   # convolutions on the shortcut (a projection), usually none
    in_channels: int | None      # channels of the block's input

    @property
    def kernels(self) -> tuple[int, ...]:
        return tuple(_kernel(step) for step in self.path)

    @property
    def shape(self) -> str:
        """'basic', 'bottleneck' or 'other'."""
        return SHAPES.get(self.kernels, "other")

    def widened(self, widen: float) -> bool:
        """A basic block whose convolutions have at least widen x the input's channels."""
        return (self.shape == "basic" and self.in_channels is not None
                and all((step.width or 0) >= widen * self.in_channels for step in self.path))

    def text(self) -> Message:
        kernels = "-".join(f"{k}x{k}" for k in self.kernels) or N_("no convolutions")
        widths = "-".join(str(step.width) for step in self.path)
        if widths:
            return N_("{merge}: {kernels} ({channels}->{widths} channels)", merge=self.merge.name, kernels=kernels,
                      channels=self.in_channels, widths=widths)
        return N_("{merge}: {kernels}", merge=self.merge.name, kernels=kernels)


def residual_blocks(model: ModelDescription) -> list[ResidualBlock]:
    """Every addition that joins a branch back to its input, as a block."""
    blocks = []
    for merge in model.skip_merges(("add",)):
        lines = [_line(model, source) for source in merge.inputs[:2]]
        split = max(lines[0] & lines[1])
        branches = sorted((_convolutions(model, line, split) for line in lines), key=len)
        shortcut, path = branches[0], branches[-1]
        blocks.append(ResidualBlock(merge, path, shortcut, _channels(model, path)))
    return blocks


def _line(model: ModelDescription, source: int) -> set[int]:
    """source and every step it was computed from."""
    return {source} | (set(model.ancestors(source)) if source >= 0 else set())


def _convolutions(model: ModelDescription, line: set[int], split: int) -> tuple[Step, ...]:
    return tuple(model.layers[i] for i in sorted(line) if i > split and model.layers[i].kind in CONVOLUTIONS)


def _channels(model: ModelDescription, path: tuple[Step, ...]) -> int | None:
    """The block input's channels: the first residual convolution's input channels."""
    if not path or not path[0].input_shapes or not path[0].input_shapes[0]:
        return None
    shape = path[0].input_shapes[0]
    return shape[1] if model.framework == "pytorch" else shape[-1]


def _kernel(step: Step) -> int:
    size = step.settings.get("kernel_size")
    if isinstance(size, list) and size:
        return int(size[0]) if all(s == size[0] for s in size) else -1
    return int(size) if isinstance(size, int) else -1
