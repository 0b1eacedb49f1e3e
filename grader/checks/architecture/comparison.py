"""Assertions about several models at once (an `architecture` check with `models:`): their
sizes stay within a band, one is a wider or deeper variant of another, and no two run the same
activations. Each gets the models in the rubric's order, as (name, description) pairs."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from grader.architecture.description import ModelDescription
from grader.checks.architecture.assertion import Assertion, Verdict
from grader.checks.architecture.selectors import LayerSelector
from grader.i18n import N_, join

Named = list[tuple[str, ModelDescription]]


class GroupAssertion(Assertion):
    """Judged across the check's models, never one model alone."""

    def verdict(self, model: ModelDescription) -> Verdict:
        raise TypeError(f"{type(self).__name__} compares several models")

    def group_verdict(self, models: Named) -> Verdict:
        raise NotImplementedError


class ParameterBand(GroupAssertion):
    """`parameter_band: {max_ratio: 1.5}`: the largest model has at most 1.5 times the trainable
    parameters of the smallest (depth compared at a similar budget)."""

    needs_trace: ClassVar[bool] = False

    max_ratio: float = Field(gt=1)

    def group_verdict(self, models: Named) -> Verdict:
        counts = {name: model.params.trainable for name, model in models}
        smallest, largest = min(counts.values()), max(counts.values())
        ratio = largest / smallest if smallest else float("inf")
        listed = ", ".join(f"{name} {count:,}" for name, count in counts.items())
        return Verdict(ratio <= self.max_ratio,
                       N_("trainable parameter counts within a factor of {ratio:g} of each other",
                          ratio=self.max_ratio),
                       N_("{counts} (largest/smallest = {ratio:.2f})", counts=listed, ratio=ratio))


class Wider(GroupAssertion, LayerSelector):
    """`wider: {kind: conv2d}`: every model after the first runs as many layers of the kind as
    the first, each at least as wide as its counterpart, and more units or filters in total."""

    def group_verdict(self, models: Named) -> Verdict:
        (base_name, base), *others = models
        base_widths = [step.width or 0 for step in self.select(base)]
        problems = []
        for name, model in others:
            widths = [step.width or 0 for step in self.select(model)]
            if len(widths) != len(base_widths):
                problems.append(N_("{name} has {count} {kind} layers, {base} {base_count}", name=name,
                                   count=len(widths), kind=self.kind, base=base_name, base_count=len(base_widths)))
            elif any(w < b for w, b in zip(widths, base_widths)) or sum(widths) <= sum(base_widths):
                problems.append(N_("{name} widths {widths} against {base} {base_widths}", name=name,
                                   widths=str(widths), base=base_name, base_widths=str(base_widths)))
        expected = N_("{names} wider than {base} ({kind} layer by layer)", names=", ".join(n for n, _ in others),
                      base=base_name, kind=self.kind)
        return Verdict(not problems, expected, join(problems) if problems else N_("as required"))


class Deeper(GroupAssertion, LayerSelector):
    """`deeper: {kind: conv2d}`: each model runs more layers of the kind than the one before it."""

    def group_verdict(self, models: Named) -> Verdict:
        counts = [(name, len(self.select(model))) for name, model in models]
        passed = all(later > earlier for (_, earlier), (_, later) in zip(counts, counts[1:]))
        return Verdict(passed, N_("each model with more {kind} layers than the one before it: {models}",
                                  kind=self.kind, models=", ".join(name for name, _ in models)),
                       ", ".join(f"{name} {count}" for name, count in counts))


class DistinctActivations(GroupAssertion):
    """`distinct_activations: true`: no two models run the same set of activations, so models
    meant to compare activation functions cannot all be ReLU nets."""

    def group_verdict(self, models: Named) -> Verdict:
        used = [(name, frozenset(model.activations_used())) for name, model in models]
        same = [N_("{first} and {second}", first=first, second=second) for index, (first, ours) in enumerate(used)
                for second, theirs in used[index + 1:] if ours == theirs]
        listed = join([N_("{model}: {names}", model=name, names=", ".join(sorted(names)) or N_("none"))
                       for name, names in used])
        return Verdict(not same, N_("each model with its own set of activations"),
                       N_("{listed} ({same} run the same)", listed=listed, same=same) if same else listed)
