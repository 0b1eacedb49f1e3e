"""Known backbones recognised by structure, not by class name: a VGG16 is thirteen 3x3
convolutions with the widths 64-64 | 128-128 | 256x3 | 512x3 | 512x3 and a max-pool after each
group, whether torchvision, keras.applications or the student built it."""

from __future__ import annotations

from dataclasses import dataclass

from grader.architecture.description import ModelDescription, Step

POOL = "M"


@dataclass(frozen=True)
class Backbone:
    name: str
    convolutions: tuple[int | str, ...]  # filters of each 3x3 convolution, POOL for a max-pool
    fully_connected: int                # dense layers of the original classifier head

    @property
    def convolution_count(self) -> int:
        return sum(1 for token in self.convolutions if token != POOL)


def _vgg(*groups: tuple[int, int]) -> tuple[int | str, ...]:
    tokens: list[int | str] = []
    for filters, repeat in groups:
        tokens += [filters] * repeat + [POOL]
    return tuple(tokens)


BACKBONES = {
    "vgg11": Backbone("vgg11", _vgg((64, 1), (128, 1), (256, 2), (512, 2), (512, 2)), 3),
    "vgg13": Backbone("vgg13", _vgg((64, 2), (128, 2), (256, 2), (512, 2), (512, 2)), 3),
    "vgg16": Backbone("vgg16", _vgg((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), 3),
    "vgg19": Backbone("vgg19", _vgg((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)), 3),
}


@dataclass(frozen=True)
class Match:
    """Where a backbone's convolution stack runs in the model, and the dense layers after it."""

    convolutions: list[Step]
    head: list[Step]


def find_backbone(model: ModelDescription, backbone: Backbone) -> Match | None:
    """The backbone's 3x3 convolutions and max-pools as one unbroken run of the model's
    convolutions and max-pools (activations, BatchNorm and dropout in between are allowed)."""
    structural = [step for step in model.first_calls() if _token(step) is not None]
    tokens = [_token(step) for step in structural]
    width = len(backbone.convolutions)
    for start in range(len(tokens) - width + 1):
        if tuple(tokens[start:start + width]) == backbone.convolutions:
            run = structural[start:start + width]
            after = run[-1].id
            head = [step for step in model.first_calls() if step.id > after and step.kind == "linear"]
            return Match([step for step in run if step.kind == "conv2d"], head)
    return None


def structure_summary(model: ModelDescription, limit: int = 40) -> str:
    """The model's convolution widths and max-pools, as the backbone tables write them."""
    tokens = [str(_token(step)) for step in model.first_calls() if _token(step) is not None]
    text = " ".join(tokens[:limit]) + (" ..." if len(tokens) > limit else "")
    return text or "no 2-D convolutions"


def _token(step: Step) -> int | str | None:
    if step.kind == "conv2d" and step.settings.get("kernel_size") in ([3, 3], 3):
        return step.width
    if step.kind == "pooling" and step.settings.get("type") == "max":
        return POOL
    if step.kind == "conv2d":
        return f"{step.width}({step.settings.get('kernel_size')})"
    return None
