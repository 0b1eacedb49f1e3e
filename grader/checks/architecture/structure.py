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
from grader.checks.architecture.assertion import Assertion, Verdict, names, plural
from grader.checks.architecture.selectors import Range

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
        noun = "long (encoder to decoder) skip connections" if self.long else "skip connections"
        noun += "" if self.kind == "any" else f" ({self.kind})"
        return Verdict(self.holds(len(found)), f"{self.range_text()} {noun}",
                       f"{len(found)}" + (f" ({names(found)})" if found else ""),
                       marked=() if self.holds(len(found)) else tuple(step.id for step in found))


class Resampling(Assertion, Range):
    """`resampling: {direction: down, min: 2}`: steps that lower (`down`) or raise (`up`) the
    resolution of a feature map, read from their shapes: an encoder may pool or use strided
    convolutions, a decoder transposed convolutions or upsampling, and each counts."""

    direction: Literal["down", "up"]

    def verdict(self, model: ModelDescription) -> Verdict:
        found = model.resampling(self.direction)
        change = "lower" if self.direction == "down" else "raise"
        return Verdict(self.holds(len(found)), f"{self.range_text()} steps that {change} the resolution",
                       f"{len(found)}" + (f" ({names(found)})" if found else ""),
                       marked=() if self.holds(len(found)) else tuple(step.id for step in found))


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
        expected = (f"a {name} backbone ({backbone.convolution_count} 3x3 convolutions, "
                    f"{list(backbone.convolutions).count('M')} max-pools)")
        expected += "" if dense == "any" else f" then a classifier head of {plural(int(dense), 'dense layer')}"
        match = find_backbone(model, backbone)
        if match is None:
            differences = structure_differences(model, backbone)
            return Verdict(False, expected, f"convolutions (M = max-pool): {structure_summary(model)}"
                           + (f"; the {name} backbone differs: {'; '.join(differences)}" if differences else ""))
        if dense != "any" and len(match.head) != dense:
            return self._head_differs(match, int(dense), expected, backbone.head_widths)
        return Verdict(True, expected, f"{name} found: {len(match.convolutions)} convolutions, "
                                       f"{plural(len(match.head), 'dense layer')} after them")

    def _head_differs(self, match: Match, dense: int, expected: str, original_widths: tuple[int, ...]) -> Verdict:
        """The convolutions are all there: what differs is the head, and the message says so."""
        head, place = match.head, head_place(match.head)
        listed = ", ".join(f"{step.name} ({step.width})" for step in head[:6]) + (" ..." if len(head) > 6 else "")
        original = (f": the original head ({', '.join(map(str, original_widths))}, then the output layer), "
                    "only its last layer replaced") if self.fully_connected is None else ""
        found = (f"the {self.name.upper()} backbone is intact ({len(match.convolutions)} convolutions), but the "
                 "classifier head" + (f" ({place})" if place else "") + " differs: "
                 + (f"{plural(len(head), 'dense layer')} ({listed})" if head else "no dense layer after the backbone")
                 + f"; expected {dense}{original}")
        note = f"head: {plural(len(head), 'dense layer')}, expected {dense}"
        return Verdict(False, expected, found, marked=tuple(step.id for step in head),
                       notes={step.id: note for step in head})


class AllLayersRun(Assertion):
    """`all_layers_run: true`: no layer is defined and then left out of forward."""

    def verdict(self, model: ModelDescription) -> Verdict:
        unused = model.unused()
        return Verdict(not unused, "every layer the model defines runs",
                       "all run" if not unused else f"never run: {', '.join(h.path for h in unused[:5])}")


class AllLayersRegistered(Assertion):
    """`all_layers_registered: true`: every layer that runs belongs to the model (PyTorch: not
    kept in a plain list or dict, whose layers the optimizer never sees)."""

    def verdict(self, model: ModelDescription) -> Verdict:
        stray = [step for step in model.layers if not step.registered]
        hint = (" (use nn.ModuleList / nn.ModuleDict instead of a plain list or dict)"
                if model.framework == "pytorch" else "")
        return Verdict(not stray, "every layer that runs is registered in the model",
                       "all registered" if not stray else f"not registered: {names(stray)}{hint}",
                       marked=tuple(step.id for step in stray))
