"""The `resampling` assertion: steps that lower or raise a feature map's resolution, read from
real PyTorch forward passes, whichever layer does it (pooling or a strided convolution down,
a transposed convolution, nn.Upsample or F.interpolate up)."""

from __future__ import annotations

import pytest

from architecture_support import describe, judge
from grader.architecture.description import ModelDescription
from grader.probe.introspect import tamper

# torch is imported when this module's first test runs (`torch_models`), not when pytest collects
# the file: collection, on every run whatever it selects, must not pay for importing torch.
torch = nn = F = StridedUNet = Classifier = None


@pytest.fixture(scope="module", autouse=True)
def torch_models() -> None:
    global torch, nn, F, StridedUNet, Classifier
    torch = pytest.importorskip("torch")
    nn, F = torch.nn, torch.nn.functional
    tamper.guard_frameworks()
    StridedUNet, Classifier = model_classes()


TWICE_DOWN = {"resampling": {"direction": "down", "min": 2}}
TWICE_UP = {"resampling": {"direction": "up", "min": 2}}


def model_classes() -> tuple[type, type]:
    """This file's models; defined once torch is imported."""
    class StridedUNet(nn.Module):
        """Down by a strided convolution then max-pooling; up by nn.Upsample then F.interpolate."""

        def __init__(self):
            super().__init__()
            self.down1, self.pool = nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.MaxPool2d(2)
            self.up1 = nn.Upsample(scale_factor=2)
            self.head = nn.Conv2d(16, 1, 1)

        def forward(self, x):
            e1 = torch.relu(self.down1(x))
            bottom = self.pool(e1)
            d1 = torch.cat([self.up1(bottom), e1], dim=1)
            return self.head(F.interpolate(d1, scale_factor=2.0))

    class Classifier(nn.Module):
        """Pools twice and never comes back up; the LSTM's feature axis is no resolution."""

        def __init__(self):
            super().__init__()
            self.conv, self.pool = nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2)
            self.lstm = nn.LSTM(4, 12, batch_first=True)

        def forward(self, x):
            features = self.pool(self.pool(torch.relu(self.conv(x))))  # (n, 4, 4, 4)
            return self.lstm(features.flatten(2).transpose(1, 2))[0]

    return StridedUNet, Classifier


def test_any_layer_that_changes_the_resolution_counts() -> None:
    model = describe(StridedUNet(), shape=[3, 16, 16])
    down, up = judge(model, TWICE_DOWN, TWICE_UP)
    assert down.passed and down.found == "2 (down1, pool)"
    assert up.passed and up.found == "2 (up1, interpolate())"


def test_a_net_that_only_goes_down_fails_upsampling() -> None:
    model = describe(Classifier(), shape=[3, 16, 16])
    down, up = judge(model, TWICE_DOWN, TWICE_UP)
    assert down.passed and down.found == "2 (pool, pool)"  # one module called twice: two steps
    assert not up.passed
    assert (up.expected, up.found) == ("at least 2 steps that raise the resolution", "0")
    assert not judge(model, {"resampling": {"direction": "down", "max": 1}})[0].passed


def test_keras_shapes_are_channels_last() -> None:
    """A description as the Keras walker writes it: [N, H, W, C]."""
    def layer(index, kind, before, after):
        return {"id": index, "path": f"l{index}", "op": kind, "kind": kind, "input_shapes": [before],
                "output_shape": after, "inputs": [index - 1]}
    model = ModelDescription.model_validate({
        "schema": 1, "framework": "keras", "class": "Functional", "trace": {"ok": True},
        "layers": [layer(0, "conv2d", [1, 32, 32, 3], [1, 32, 32, 64]),  # more channels, same pixels
                   layer(1, "pooling", [1, 32, 32, 64], [1, 16, 16, 64]),
                   layer(2, "upsample", [1, 16, 16, 64], [1, 32, 32, 64])],
        "outputs": [2]})
    down, up = judge(model, {"resampling": {"direction": "down", "equals": 1}},
                     {"resampling": {"direction": "up", "equals": 1}})
    assert (down.passed, down.found, up.passed, up.found) == (True, "1 (l1)", True, "1 (l2)")


def test_a_direction_is_required() -> None:
    with pytest.raises(ValueError, match="direction"):
        judge(describe(Classifier(), shape=[3, 16, 16]), {"resampling": {"direction": "sideways", "min": 1}})
