"""In what order layers run: one layer before (or after) another, and the whole sequence of
layers with parameters (the rnn-lab's named architectures)."""

from __future__ import annotations

from pydantic import model_validator

from grader.architecture.description import ModelDescription, Step
from grader.checks.architecture.assertion import Assertion, Verdict, names
from grader.checks.architecture.selectors import LayerSelector


class Order(Assertion):
    """`order: {layer: {kind: dropout, p: 0.3}, before: {kind: linear}}`: some matching layer
    runs before the first (or, with `after`, after the last) layer matching the other selector."""

    layer: LayerSelector
    before: LayerSelector | None = None
    after: LayerSelector | None = None

    @model_validator(mode="after")
    def _one_anchor(self) -> Order:
        if (self.before is None) == (self.after is None):
            raise ValueError("give exactly one of before, after")
        return self

    def verdict(self, model: ModelDescription) -> Verdict:
        anchor_selector = self.before or self.after
        assert anchor_selector is not None
        where = "before the first" if self.before else "after the last"
        expected = f"a {self.layer.text()} {where} {anchor_selector.text()}"
        candidates, anchors = self.layer.select(model), anchor_selector.select(model)
        if not candidates:
            return Verdict(False, expected, f"no {self.layer.text()} runs")
        if not anchors:
            return Verdict(False, expected, f"no {anchor_selector.text()} runs")
        anchor = anchors[0] if self.before else anchors[-1]
        placed = [c for c in candidates if (c.id < anchor.id if self.before else c.id > anchor.id)]
        found = (f"{names(candidates)} at step {', '.join(str(c.id + 1) for c in candidates)}; "
                 f"{anchor.name} at step {anchor.id + 1}")
        return Verdict(bool(placed), expected, found, marked=() if placed else (*[c.id for c in candidates], anchor.id))


class Sequence(Assertion):
    """`sequence: [{kind: simple-rnn, activation: tanh}, {kind: linear, units: 32, activation: relu},
    {kind: linear, units: 1}]`: exactly these layers with parameters, in this order."""

    layers: list[LayerSelector]

    def verdict(self, model: ModelDescription) -> Verdict:
        found = [step for step in model.steps() if step.has_parameters]
        wrong = tuple(step.id for step, want in zip(found, self.layers) if not want.matches(step, model))
        wrong += tuple(step.id for step in found[len(self.layers):])
        passed = not wrong and len(found) == len(self.layers)
        return Verdict(passed, " -> ".join(f"{s.kind}({s.settings_text()})" for s in self.layers),
                       " -> ".join(_step_text(step, model) for step in found) or "no layers with parameters",
                       marked=wrong, expected_rows=[selector.row() for selector in self.layers])


def _step_text(step: Step, model: ModelDescription) -> str:
    parts = [f"units={step.width}"] if step.width is not None else []
    parts.append(f"activation={model.activation_after(step)}")
    return f"{step.kind}({', '.join(parts)})"
