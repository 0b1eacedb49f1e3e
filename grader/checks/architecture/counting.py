"""How many layers of a kind run, how wide they are, and how wide the output layer is."""

from __future__ import annotations

from pydantic import Field

from grader.architecture.description import ModelDescription
from grader.checks.architecture.assertion import Assertion, Verdict, names
from grader.checks.architecture.selectors import LayerSelector, Range
from grader.i18n import N_, Message, join


class Count(Assertion, LayerSelector, Range):
    """`count: {kind: linear, hidden: true, equals: 3}`; shared layers count once per call."""

    def verdict(self, model: ModelDescription) -> Verdict:
        found = self.select(model)
        expected = self.counted(self.text(plural=True))
        found_text = N_("{count} ({names})", count=len(found), names=names(found)) if found else str(len(found))
        misses = self.misses(model)[:3] if self.wants_more(len(found)) else []
        if misses:
            found_text = N_("{found}; not counted: {misses}", found=found_text,
                            misses=join([near.text() for near in misses]))
        return Verdict(self.holds(len(found)), expected, found_text,
                       marked=tuple(step.id for step in found) + tuple(near.step.id for near in misses),
                       notes={near.step.id: N_("not counted: {reasons}", reasons=join(near.reasons))
                              for near in misses})


class Widths(Assertion, LayerSelector):
    """`units: {kind: linear, hidden: true, equals: [64, 32, 16]}`: units (or filters) of the
    selected layers in the order they run."""

    equals: list[int] = Field(min_length=1)

    def verdict(self, model: ModelDescription) -> Verdict:
        found = self.select(model)
        widths = [step.width for step in found]
        notes: dict[int, Message] = {step.id: N_("width {found}, expected {expected}", found=step.width, expected=want)
                                     for step, want in zip(found, self.equals) if step.width != want}
        notes |= {step.id: N_("extra: only {n} expected", n=len(self.equals)) for step in found[len(self.equals):]}
        return Verdict(widths == self.equals, N_("{layers} of widths {widths}", layers=self.text(plural=True),
                                                 widths=str(self.equals)),
                       f"{widths}", marked=tuple(notes), notes=notes)


class OutputUnits(Assertion):
    """`output_units: 10`: the last layer with parameters has this many units (or filters)."""

    units: int

    def verdict(self, model: ModelDescription) -> Verdict:
        output = model.output_layer
        expected = N_("an output layer with {units} units", units=self.units)
        if output is None:
            return Verdict(False, expected, N_("no layer with parameters ran"))
        passed = output.width == self.units
        note: dict[int, Message] = {} if passed else {
            output.id: N_("{found} units, expected {expected}", found=output.width, expected=self.units)}
        return Verdict(passed, expected, N_("{kind} {name} with {units} units", kind=output.kind, name=output.name,
                                            units=output.width), marked=(output.id,), notes=note)
