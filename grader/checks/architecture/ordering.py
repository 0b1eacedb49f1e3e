"""In what order layers run: one layer before (or after) another, and the whole sequence of
layers with parameters (the rnn-lab's named architectures)."""

from __future__ import annotations

from pydantic import model_validator

from grader.architecture.description import ModelDescription
from grader.checks.architecture.alignment import align, differences, expected_notes, table_notes
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
            return _none_runs(self.layer, model, expected)
        if not anchors:
            return _none_runs(anchor_selector, model, expected)
        anchor = anchors[0] if self.before else anchors[-1]
        placed = [c for c in candidates if (c.id < anchor.id if self.before else c.id > anchor.id)]
        found = (f"{names(candidates)} at step {', '.join(str(c.id + 1) for c in candidates)}; "
                 f"{anchor.name} at step {anchor.id + 1}")
        return Verdict(bool(placed), expected, found, marked=() if placed else (*[c.id for c in candidates], anchor.id))


def _none_runs(selector: LayerSelector, model: ModelDescription, expected: str) -> Verdict:
    """No step matches: say so, and name the step that comes closest and why it does not count."""
    near = selector.nearest(model)
    if near is None:
        return Verdict(False, expected, f"no {selector.text()} runs")
    return Verdict(False, expected, f"no {selector.text()} runs (nearest: {near.text()})", marked=(near.step.id,),
                   notes={near.step.id: near.note})


class Sequence(Assertion):
    """`sequence: [{kind: simple-rnn, activation: tanh}, {kind: linear, units: 32, activation: relu},
    {kind: linear, units: 1}]`: exactly these layers with parameters, in this order. A mismatch
    is told as an alignment: the layer missing, the one extra, the one that differs and why."""

    layers: list[LayerSelector]

    def verdict(self, model: ModelDescription) -> Verdict:
        found = [step for step in model.steps() if step.has_parameters]
        aligned = align(self.layers, found, model)
        problems = differences(aligned, model)
        notes = table_notes(aligned, model)
        rows = [{**selector.row(), "note": note} for selector, note in zip(self.layers, expected_notes(aligned))]
        expected = " -> ".join(selector.short_text(model.framework) for selector in self.layers)
        if not found:
            observed = "no layers with parameters"
        else:
            observed = "as expected" if not problems else (
                f"{len(problems)} difference{'s' if len(problems) > 1 else ''}: " + "; ".join(problems))
        return Verdict(not problems and bool(found), expected, observed, marked=tuple(notes), notes=notes,
                       expected_rows=rows)
