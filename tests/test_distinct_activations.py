"""`distinct_activations` across several real PyTorch CNNs: models meant to compare activation
functions must each run their own set of them (the cnn-lab's from-scratch CNNs)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from architecture_support import describe
from grader.checks.architecture import ArchitectureParams, group_verdicts

# torch is imported when this module's first test runs (`torch_modules`), not when pytest collects
# the file: collection, on every run whatever it selects, must not pay for importing torch.
torch = nn = None


@pytest.fixture(scope="module", autouse=True)
def torch_modules() -> None:
    global torch, nn
    torch = pytest.importorskip("torch")
    nn = torch.nn


def cnn(activation: type, *, functional_relu: bool = False) -> nn.Module:
    """Conv - activation - pool - linear; `functional_relu` adds an F.relu inside forward too."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), activation(), nn.MaxPool2d(2))
            self.head = nn.Linear(4 * 4 * 4, 10)

        def forward(self, x):
            x = self.features(x)
            x = torch.nn.functional.relu(x) if functional_relu else x
            return self.head(x.flatten(1))

    return Net()


def verdict(**models):
    params = ArchitectureParams.model_validate({"models": list(models), "expect": [{"distinct_activations": True}]})
    described = [(name, describe(model, shape=[3, 8, 8])) for name, model in models.items()]
    [only] = group_verdicts(params.expect[0], described)
    return only


def test_models_with_different_activations_pass() -> None:
    found = verdict(cnn_1=cnn(nn.ReLU), cnn_2=cnn(nn.ELU), cnn_3=cnn(nn.ELU, functional_relu=True))
    assert found.passed, found.found
    assert str(found.found) == "cnn_1: relu; cnn_2: elu; cnn_3: elu, relu"


def test_two_models_with_the_same_activations_are_named() -> None:
    found = verdict(cnn_1=cnn(nn.ReLU), cnn_2=cnn(nn.Tanh), cnn_3=cnn(nn.ReLU))
    assert not found.passed
    assert str(found.found).endswith("(cnn_1 and cnn_3 run the same)")


def test_a_module_and_its_functional_twin_are_the_same_activation() -> None:
    assert not verdict(module=cnn(nn.ReLU), functional=cnn(nn.Identity, functional_relu=True)).passed


def test_distinct_activations_needs_several_models() -> None:
    with pytest.raises(ValidationError, match="list them in models"):
        ArchitectureParams.model_validate({"model": "m", "expect": [{"distinct_activations": True}]})
    with pytest.raises(ValidationError):
        ArchitectureParams.model_validate({"models": ["a", "b"], "expect": [{"distinct_activations": False}]})
