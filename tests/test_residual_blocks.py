"""Residual blocks are recognised by structure in real PyTorch models: basic, bottleneck and wide
blocks, with identity or projection shortcuts; a block that forgets its skip addition is none."""

from __future__ import annotations

import pytest

from architecture_support import describe, judge

# torch is imported when this module's first test runs (`torch_models`), not when pytest collects
# the file: collection, on every run whatever it selects, must not pay for importing torch.
torch = nn = Block = BASIC = BOTTLENECK = WIDE = None


@pytest.fixture(scope="module", autouse=True)
def torch_models() -> None:
    global torch, nn, Block, BASIC, BOTTLENECK, WIDE
    torch = pytest.importorskip("torch")
    nn = torch.nn
    Block = block_class()
    BASIC = Block(8, (3, 3), (8, 8))
    BOTTLENECK = Block(8, (1, 3, 1), (4, 4, 8))
    WIDE = Block(8, (3, 3), (32, 32), project=True)


def block_class() -> type:
    """This file's block; defined once torch is imported."""
    class Block(nn.Module):
        """Convolutions of the given kernel sizes and widths, added back to the input (or not)."""

        def __init__(self, channels, kernels, widths, *, skip=True, project=False):
            super().__init__()
            layers, width = [], channels
            for kernel, out in zip(kernels, widths):
                layers += [nn.Conv2d(width, out, kernel, padding=kernel // 2), nn.BatchNorm2d(out), nn.ReLU()]
                width = out
            self.path = nn.Sequential(*layers[:-1])
            self.shortcut = nn.Conv2d(channels, width, 1) if project else nn.Identity()
            self.skip = skip

        def forward(self, x):
            out = self.path(x)
            return torch.relu(out + self.shortcut(x)) if self.skip else torch.relu(out)

    return Block


def blocks_of(module, channels=8):
    return describe(module, shape=[channels, 6, 6])


@pytest.mark.parametrize(("block", "kind", "holds"), [
    ("BASIC", "basic", True), ("BASIC", "bottleneck", False), ("BASIC", "wide", False),
    ("BOTTLENECK", "bottleneck", True), ("BOTTLENECK", "basic", False),
    ("WIDE", "wide", True), ("WIDE", "basic", True), ("WIDE", "any", True),
])
def test_blocks_are_told_apart_by_their_kernels_and_widths(block, kind, holds):
    module = {"BASIC": BASIC, "BOTTLENECK": BOTTLENECK, "WIDE": WIDE}[block]  # built by torch_models
    verdict = judge(blocks_of(module), {"residual_blocks": {"type": kind, "equals": 1}})[0]
    assert verdict.passed is holds, verdict.found


def test_a_block_without_its_skip_addition_is_no_residual_block():
    verdict = judge(blocks_of(Block(8, (3, 3), (8, 8), skip=False)), {"residual_blocks": {"type": "basic", "min": 1}})[0]
    assert not verdict.passed
    assert verdict.found.startswith("0: no addition joins a branch back")


def test_blocks_in_a_network_are_counted_and_named():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), BASIC, BOTTLENECK, Block(8, (3, 3), (16, 16), project=True))
    model = describe(net, shape=[3, 6, 6])
    assert judge(model, {"residual_blocks": {"type": "basic", "equals": 2}})[0].passed
    verdict = judge(model, {"residual_blocks": {"type": "bottleneck", "min": 2}})[0]
    assert not verdict.passed
    assert "3x3-3x3 (8->8-8 channels)" in verdict.found
    assert "1x1-3x3-1x1 (8->4-4-8 channels)" in verdict.found


def test_wide_means_relative_to_the_blocks_input():
    doubled = blocks_of(Block(8, (3, 3), (16, 16), project=True))
    assert judge(doubled, {"residual_blocks": {"type": "wide", "equals": 1}})[0].passed
    assert not judge(doubled, {"residual_blocks": {"type": "wide", "widen": 4, "equals": 1}})[0].passed
