"""Known backbones recognised by structure, not by class name: a VGG16 is thirteen 3x3
convolutions with the widths 64-64 | 128-128 | 256x3 | 512x3 | 512x3 and a max-pool after each
group, whether torchvision, keras.applications or the student built it."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from grader.architecture.description import ModelDescription, Step
from grader.architecture.feedback_table import value_text
from grader.i18n import N_, Message, Text

POOL = "M"


@dataclass(frozen=True)
class Backbone:
    name: str
    convolutions: tuple[int | str, ...]  # filters of each 3x3 convolution, POOL for a max-pool
    fully_connected: int                # dense layers of the original classifier head
    head_widths: tuple[int, ...] = (4096, 4096)  # the original head's widths before its output layer

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


def structure_summary(model: ModelDescription, limit: int = 40) -> Message:
    """The model's convolution widths and max-pools, as the backbone tables write them."""
    tokens = [str(_token(step)) for step in model.first_calls() if _token(step) is not None]
    text = " ".join(tokens[:limit]) + (" ..." if len(tokens) > limit else "")
    return text or N_("no 2-D convolutions")


def structure_differences(model: ModelDescription, backbone: Backbone, limit: int = 3) -> list[Text]:
    """Where the model's convolutions and max-pools part from the backbone's, as an alignment
    ('missing M after 64 64'); layers before or after the backbone's run are not differences."""
    expected = [str(token) for token in backbone.convolutions]
    found = [str(_token(step)) for step in model.first_calls() if _token(step) is not None]
    opcodes = SequenceMatcher(None, expected, found, autojunk=False).get_opcodes()
    while opcodes and opcodes[0][0] == "insert":
        opcodes = opcodes[1:]
    while opcodes and opcodes[-1][0] == "insert":
        opcodes = opcodes[:-1]
    differences = []
    for operation, i1, i2, j1, j2 in opcodes:
        where = N_("after {layers}", layers=" ".join(expected[max(0, i1 - 3):i1])) if i1 else N_("at the start")
        if operation == "delete":
            differences.append(N_("missing {layers} {where}", layers=" ".join(expected[i1:i2]), where=where))
        elif operation == "insert":
            differences.append(N_("extra {layers} {where}", layers=" ".join(found[j1:j2]), where=where))
        elif operation == "replace":
            differences.append(N_("{found} where {expected} is expected {where}", found=" ".join(found[j1:j2]),
                                  expected=" ".join(expected[i1:i2]), where=where))
    more = [N_("{n} more", n=len(differences) - limit)] if len(differences) > limit else []
    return differences[:limit] + more


def head_place(head: list[Step]) -> str:
    """Where the head's layers are held ('classifier' for classifier.0 ... classifier.6.1), or ''
    when they share no container."""
    parents = [step.path.replace("/", ".").split(".")[:-1] for step in head]
    common: list[str] = []
    for names in zip(*parents):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return ".".join(common)


def _token(step: Step) -> int | str | None:
    if step.kind == "conv2d" and step.settings.get("kernel_size") in ([3, 3], 3):
        return step.width
    if step.kind == "pooling" and step.settings.get("type") == "max":
        return POOL
    if step.kind == "conv2d":
        return f"{step.width}({value_text(step.settings.get('kernel_size'))})"
    return None
