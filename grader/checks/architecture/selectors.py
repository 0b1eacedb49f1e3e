"""Which steps an assertion is about (`{kind: dropout, p: 0.3}`) and what number range it wants
(`{min: 2, max: 5}`): the two building blocks the assertions share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator, model_validator

from grader.architecture.description import ModelDescription, Step
from grader.architecture.feedback_table import value_text
from grader.architecture.vocabulary import layer_name
from grader.probe.introspect.kinds import KINDS, canonical_activation, canonical_kind
from grader.spec.assignment import Strict

ANY = "any"
_SETTINGS = ("units", "filters", "p", "kernel_size", "stride", "return_sequences", "bidirectional")


class Range(Strict):
    equals: float | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _something_to_check(self) -> Range:
        if self.equals is None and self.min is None and self.max is None:
            raise ValueError("give equals, min or max")
        return self

    def holds(self, value: float | None) -> bool:
        if value is None:
            return False
        if self.equals is not None and not math.isclose(value, self.equals, rel_tol=1e-6, abs_tol=1e-9):
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def wants_more(self, value: float) -> bool:
        """Whether value is below what the range asks for (more would be needed)."""
        lowest = self.equals if self.equals is not None else self.min
        return lowest is not None and value < lowest

    def range_text(self) -> str:
        if self.equals is not None:
            return f"exactly {_number(self.equals)}"
        if self.max == 0 and self.min in (None, 0):
            return "no"
        if self.min is not None and self.max is not None:
            return f"between {_number(self.min)} and {_number(self.max)}"
        return f"at least {_number(self.min)}" if self.min is not None else f"at most {_number(self.max)}"


def _number(value: float | None) -> str:
    return f"{int(value):,}" if value is not None and float(value).is_integer() else f"{value:g}"


class LayerSelector(Strict):
    """Steps of a kind, optionally only hidden ones (the output layer excluded) and only those
    with the given settings. `activation` is the activation applied to the layer's output
    (fused or the activation step right after it)."""

    kind: str = Field(description="a layer kind (docs/architecture-checks.md) or 'any'")
    hidden: bool = False
    units: int | None = None
    filters: int | None = None
    p: float | None = None
    kernel_size: int | list[int] | None = None
    stride: int | list[int] | None = None
    activation: str | None = None
    recurrent_activation: str | None = None
    return_sequences: bool | None = None
    bidirectional: bool | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        kind = canonical_kind(value)
        if kind != ANY and kind not in KINDS:
            raise ValueError(f"unknown layer kind {value!r}; allowed: {', '.join(KINDS)}, any")
        return kind

    @field_validator("activation", "recurrent_activation")
    @classmethod
    def _activation_name(cls, value: str | None) -> str | None:
        return canonical_activation(value) if value is not None else None

    def select(self, model: ModelDescription) -> list[Step]:
        pool = model.hidden() if self.hidden else model.steps()
        return [step for step in pool if self.matches(step, model)]

    def matches(self, step: Step, model: ModelDescription) -> bool:
        return not self.mismatches(step, model)

    def mismatches(self, step: Step, model: ModelDescription) -> list[str]:
        """Why step is not one of these layers ('p is 0.5, expected 0.3'); empty when it is."""
        if self.kind != ANY and step.kind != self.kind:
            return [f"is a {step.kind} layer, expected {self.kind}"]
        reasons = [f"{name} is {_shown(step.settings.get(name))}, expected {value_text(wanted)}"
                   for name in _SETTINGS if (wanted := getattr(self, name)) is not None
                   and not _same(step.settings.get(name), wanted)]
        if self.activation is not None:
            found = step.settings.get("activation") if step.kind == "activation" else model.activation_after(step)
            if canonical_activation(found) != self.activation:
                reasons.append(f"activation is {canonical_activation(found)}, expected {self.activation}")
        if self.recurrent_activation is not None:
            found = canonical_activation(step.settings.get("recurrent_activation"))
            if found != self.recurrent_activation:
                reasons.append(f"recurrent_activation is {found}, expected {self.recurrent_activation}")
        if (self.kind == "dropout" or self.p is not None) and model.inactive(step):
            reasons.append("it runs with training=False, so it never drops anything")
        return reasons

    def misses(self, model: ModelDescription) -> list[Near]:
        """Steps of the selector's kind that do not match, each with why, in the order they run
        (none for `any`: every step would be a candidate)."""
        if self.kind == ANY:
            return []
        pool = model.hidden(self.kind) if self.hidden else model.steps(self.kind)
        candidates = [Near(step, tuple(self.mismatches(step, model))) for step in pool]
        return [near for near in candidates if near.reasons]

    def nearest(self, model: ModelDescription) -> Near | None:
        """The step that comes closest to matching (fewest settings wrong, the earliest of
        equals), for a message that says why no step matched."""
        return min(self.misses(model), key=lambda near: len(near.reasons), default=None)

    def settings_text(self) -> str:
        """The settings this selector asks for: 'units=32, activation=relu'."""
        return ", ".join(f"{name}={value_text(getattr(self, name))}" for name in
                         (*_SETTINGS, "activation", "recurrent_activation") if getattr(self, name) is not None)

    def text(self, *, plural: bool = False) -> str:
        """'hidden linear layers with units=32, activation=relu'."""
        noun = "layer" if self.kind == ANY else f"{self.kind} layer"
        noun = ("hidden " if self.hidden else "") + noun + ("s" if plural else "")
        wanted = self.settings_text()
        return noun + (f" with {wanted}" if wanted else "")

    def short_text(self, framework: str) -> str:
        """As the student's framework would write the layer: 'Dense(32, relu)', 'Dropout(p=0.3)'."""
        width = self.units if self.units is not None else self.filters
        parts = [str(width)] if width is not None else []
        parts += [self.activation] if self.activation is not None else []
        parts += [f"{name}={value_text(getattr(self, name))}" for name in (*_SETTINGS, "recurrent_activation")
                  if name not in ("units", "filters") and getattr(self, name) is not None]
        return f"{layer_name(self.kind, framework)}({', '.join(parts)})" if parts else layer_name(self.kind, framework)

    def row(self) -> dict[str, str]:
        """This selector as a row of the expected-architecture table."""
        return {"kind": self.kind, "settings": self.settings_text()}


@dataclass(frozen=True)
class Near:
    """A step that does not match a selector, and why."""

    step: Step
    reasons: tuple[str, ...]

    def text(self) -> str:
        """'layers.0 at step 1: p is 0.5, expected 0.3'."""
        return f"{self.step.name} at step {self.step.id + 1}: {'; '.join(self.reasons)}"

    @property
    def note(self) -> str:
        """The table's note on the step: 'nearest: p is 0.5, expected 0.3'."""
        return "nearest: " + "; ".join(self.reasons)


def _shown(value: Any) -> str:
    return "not set" if value is None else value_text(value)


def _same(found: Any, wanted: Any) -> bool:
    """Settings compare loosely: 3 matches [3, 3], 0.3 matches 0.30000001 (a float32 rate)."""
    if isinstance(wanted, bool) or isinstance(found, bool):
        return found is wanted
    if isinstance(wanted, int) and isinstance(found, list):
        return bool(found) and all(item == wanted for item in found)
    if isinstance(wanted, float) and isinstance(found, (int, float)):
        return math.isclose(found, wanted, rel_tol=1e-6, abs_tol=1e-7)
    return found == wanted
