"""The model's structure beyond single layers: skip connections, a known backbone, and layers
that are defined but never run or run without being registered."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from grader.architecture.backbones import (
    BACKBONES,
    Match,
    find_backbone,
    head_place,
    structure_differences,
    structure_summary,
)
from grader.architecture.description import ModelDescription
from grader.checks.architecture.assertion import Assertion, Verdict, dense_layers, names
from grader.checks.architecture.selectors import Range
from grader.i18n import N_, Message, join

_MERGES = {"add": ("add",), "concat": ("concat",), "any": ("add", "concat", "multiply", "merge")}


class SkipConnections(Assertion, Range):
    """`skip_connections: {kind: add, min: 1}`: merges whose operands split from a common
    earlier point (a residual x + f(x), a U-Net's concatenated encoder features). `long: true`
    counts only skips from the encoder into the decoder: one operand passed through a lower
    resolution than the merge's since the split."""

    kind: Literal["add", "concat", "any"] = "any"
    long: bool = False

    def verdict(self, model: ModelDescription) -> Verdict:
        found = model.skip_merges(_MERGES[self.kind], long=self.long)
        noun = N_("long (encoder to decoder) skip connections") if self.long else N_("skip connections")
        if self.kind != "any":
            noun = N_("{noun} ({kind})", noun=noun, kind=self.kind)
        return Verdict(self.holds(len(found)), self.counted(noun), _count(found),
                       marked=() if self.holds(len(found)) else tuple(step.id for step in found))


class Resampling(Assertion, Range):
    """`resampling: {direction: down, min: 2}`: steps that lower (`down`) or raise (`up`) the
    resolution of a feature map, read from their shapes: an encoder may pool or use strided
    convolutions, a decoder transposed convolutions or upsampling, and each counts."""

    direction: Literal["down", "up"]

    def verdict(self, model: ModelDescription) -> Verdict:
        found = model.resampling(self.direction)
        noun = (N_("steps that lower the resolution") if self.direction == "down"
                else N_("steps that raise the resolution"))
        return Verdict(self.holds(len(found)), self.counted(noun), _count(found),
                       marked=() if self.holds(len(found)) else tuple(step.id for step in found))


def _count(found: list) -> Message:
    """'2 (pool1, pool2)'."""
    return N_("{count} ({names})", count=len(found), names=names(found)) if found else str(len(found))


class Backbone(Assertion):
    """`backbone: {name: vgg16}`: the backbone's convolution stack runs in the model, followed
    by `fully_connected` dense layers (default: as many as the original head; `any`: not checked)."""

    name: str
    fully_connected: int | Literal["any"] | None = None

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value.lower() not in BACKBONES:
            raise ValueError(f"unknown backbone {value!r}; known: {', '.join(BACKBONES)}")
        return value.lower()

    def verdict(self, model: ModelDescription) -> Verdict:
        backbone, name = BACKBONES[self.name], self.name.upper()
        dense = backbone.fully_connected if self.fully_connected is None else self.fully_connected
        expected: Message = N_("a {name} backbone ({convolutions} 3x3 convolutions, {pools} max-pools)", name=name,
                               convolutions=backbone.convolution_count,
                               pools=list(backbone.convolutions).count("M"))
        if dense != "any":
            expected = N_("{backbone} then a classifier head of {head}", backbone=expected,
                          head=dense_layers(int(dense)))
        match = find_backbone(model, backbone)
        if match is None:
            differences = structure_differences(model, backbone)
            summary = N_("convolutions (M = max-pool): {summary}", summary=structure_summary(model))
            return Verdict(False, expected, N_("{summary}; the {name} backbone differs: {differences}",
                                               summary=summary, name=name, differences=join(differences))
                           if differences else summary)
        if dense != "any" and len(match.head) != dense:
            return self._head_differs(match, int(dense), expected, backbone.head_widths)
        return Verdict(True, expected, N_("{name} found: {convolutions} convolutions, {head} after them", name=name,
                                          convolutions=len(match.convolutions), head=dense_layers(len(match.head))))

    def _head_differs(self, match: Match, dense: int, expected: Message,
                      original_widths: tuple[int, ...]) -> Verdict:
        """The convolutions are all there: what differs is the head, and the message says so."""
        head, place = match.head, head_place(match.head)
        listed = ", ".join(f"{step.name} ({step.width})" for step in head[:6]) + (" ..." if len(head) > 6 else "")
        wanted: Message = str(dense)
        if self.fully_connected is None:
            wanted = N_("{n}: the original head ({widths}, then the output layer), only its last layer replaced",
                        n=dense, widths=", ".join(map(str, original_widths)))
        head_text = (N_("{head} ({listed})", head=dense_layers(len(head)), listed=listed) if head
                     else N_("no dense layer after the backbone"))
        which = N_("the classifier head ({place})", place=place) if place else N_("the classifier head")
        found = N_("the {name} backbone is intact ({convolutions} convolutions), but {which} differs: {head}; "
                   "expected {wanted}", name=self.name.upper(), convolutions=len(match.convolutions), which=which,
                   head=head_text, wanted=wanted)
        note = N_("head: {head}, expected {n}", head=dense_layers(len(head)), n=dense)
        return Verdict(False, expected, found, marked=tuple(step.id for step in head),
                       notes={step.id: note for step in head})


class AllLayersRun(Assertion):
    """`all_layers_run: true`: no layer is defined and then left out of forward."""

    def verdict(self, model: ModelDescription) -> Verdict:
        unused = model.unused()
        return Verdict(not unused, N_("every layer the model defines runs"),
                       N_("all run") if not unused else N_("never run: {layers}",
                                                           layers=", ".join(h.path for h in unused[:5])))


class AllLayersRegistered(Assertion):
    """`all_layers_registered: true`: every layer that runs belongs to the model (PyTorch: not
    kept in a plain list or dict, whose layers the optimizer never sees)."""

    def verdict(self, model: ModelDescription) -> Verdict:
        stray = [step for step in model.layers if not step.registered]
        found: Message = N_("all registered")
        if stray:
            found = (N_("not registered: {names} (use nn.ModuleList / nn.ModuleDict instead of a plain list or dict)",
                        names=names(stray)) if model.framework == "pytorch"
                     else N_("not registered: {names}", names=names(stray)))
        return Verdict(not stray, N_("every layer that runs is registered in the model"), found,
                       marked=tuple(step.id for step in stray))
