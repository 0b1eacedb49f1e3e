"""In what order layers run: one layer before (or after) another, and the whole sequence of
layers with parameters (the rnn-lab's named architectures)."""

from __future__ import annotations

from pydantic import model_validator

from grader.architecture.description import ModelDescription
from grader.checks.architecture.alignment import align, differences, expected_notes, table_notes
from grader.checks.architecture.assertion import Assertion, Verdict, names
from grader.checks.architecture.selectors import LayerSelector
from grader.i18n import N_, Message, N_plural, join


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
        expected = (N_("a {layer} before the first {anchor}", layer=self.layer.text(), anchor=anchor_selector.text())
                    if self.before else
                    N_("a {layer} after the last {anchor}", layer=self.layer.text(), anchor=anchor_selector.text()))
        candidates, anchors = self.layer.select(model), anchor_selector.select(model)
        if not candidates:
            return _none_runs(self.layer, model, expected)
        if not anchors:
            return _none_runs(anchor_selector, model, expected)
        anchor = anchors[0] if self.before else anchors[-1]
        placed = [c for c in candidates if (c.id < anchor.id if self.before else c.id > anchor.id)]
        found = N_("{names} at step {steps}; {anchor} at step {anchor_step}", names=names(candidates),
                   steps=", ".join(str(c.id + 1) for c in candidates), anchor=anchor.name, anchor_step=anchor.id + 1)
        return Verdict(bool(placed), expected, found, marked=() if placed else (*[c.id for c in candidates], anchor.id))


def _none_runs(selector: LayerSelector, model: ModelDescription, expected: Message) -> Verdict:
    """No step matches: say so, and name the step that comes closest and why it does not count."""
    near = selector.nearest(model)
    if near is None:
        return Verdict(False, expected, N_("no {layer} runs", layer=selector.text()))
    return Verdict(False, expected, N_("no {layer} runs (nearest: {nearest})", layer=selector.text(),
                                       nearest=near.text()), marked=(near.step.id,), notes={near.step.id: near.note})


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
        observed: Message
        if not found:
            observed = N_("no layers with parameters")
        else:
            observed = N_("as expected") if not problems else N_plural(
                "{n} difference: {problems}", "{n} differences: {problems}", n=len(problems), problems=join(problems))
        return Verdict(not problems and bool(found), expected, observed, marked=tuple(notes), notes=notes,
                       expected_rows=rows)
