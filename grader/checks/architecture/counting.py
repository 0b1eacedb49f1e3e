"""How many layers of a kind run, how wide they are, and how wide the output layer is."""

from __future__ import annotations

from pydantic import Field

from grader.architecture.description import ModelDescription
from grader.checks.architecture.assertion import Assertion, Verdict, names
from grader.checks.architecture.selectors import LayerSelector, Range


class Count(Assertion, LayerSelector, Range):
    """`count: {kind: linear, hidden: true, equals: 3}`; shared layers count once per call."""

    def verdict(self, model: ModelDescription) -> Verdict:
        found = self.select(model)
        expected = f"{self.range_text()} {self.text(plural=True)}"
        listed = f" ({names(found)})" if found else ""
        misses = self.misses(model)[:3] if self.wants_more(len(found)) else []
        not_counted = f"; not counted: {'; '.join(near.text() for near in misses)}" if misses else ""
        return Verdict(self.holds(len(found)), expected, f"{len(found)}{listed}{not_counted}",
                       marked=tuple(step.id for step in found) + tuple(near.step.id for near in misses),
                       notes={near.step.id: "not counted: " + "; ".join(near.reasons) for near in misses})


class Widths(Assertion, LayerSelector):
    """`units: {kind: linear, hidden: true, equals: [64, 32, 16]}`: units (or filters) of the
    selected layers in the order they run."""

    equals: list[int] = Field(min_length=1)

    def verdict(self, model: ModelDescription) -> Verdict:
        found = self.select(model)
        widths = [step.width for step in found]
        notes = {step.id: f"width {step.width}, expected {want}" for step, want in zip(found, self.equals)
                 if step.width != want}
        notes |= {step.id: f"extra: only {len(self.equals)} expected" for step in found[len(self.equals):]}
        return Verdict(widths == self.equals, f"{self.text(plural=True)} of widths {self.equals}",
                       f"{widths}", marked=tuple(notes), notes=notes)


class OutputUnits(Assertion):
    """`output_units: 10`: the last layer with parameters has this many units (or filters)."""

    units: int

    def verdict(self, model: ModelDescription) -> Verdict:
        output = model.output_layer
        expected = f"an output layer with {self.units} units"
        if output is None:
            return Verdict(False, expected, "no layer with parameters ran")
        passed = output.width == self.units
        note = {} if passed else {output.id: f"{output.width} units, expected {self.units}"}
        return Verdict(passed, expected, f"{output.kind} {output.name} with {output.width} units",
                       marked=(output.id,), notes=note)
