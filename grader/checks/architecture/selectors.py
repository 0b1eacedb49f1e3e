"""Which steps an assertion is about (`{kind: dropout, p: 0.3}`) and what number range it wants
(`{min: 2, max: 5}`): the two building blocks the assertions share."""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field, field_validator, model_validator

from grader.architecture.description import ModelDescription, Step
from grader.architecture.feedback_table import value_text
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
        if self.kind != ANY and step.kind != self.kind:
            return False
        for name in _SETTINGS:
            wanted = getattr(self, name)
            if wanted is not None and not _same(step.settings.get(name), wanted):
                return False
        if self.activation is not None:
            found = step.settings.get("activation") if step.kind == "activation" else model.activation_after(step)
            if canonical_activation(found) != self.activation:
                return False
        if self.recurrent_activation is not None:
            return canonical_activation(step.settings.get("recurrent_activation")) == self.recurrent_activation
        return True

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

    def row(self) -> dict[str, str]:
        """This selector as a row of the expected-architecture table."""
        return {"kind": self.kind, "settings": self.settings_text()}


def _same(found: Any, wanted: Any) -> bool:
    """Settings compare loosely: 3 matches [3, 3], 0.3 matches 0.30000001 (a float32 rate)."""
    if isinstance(wanted, bool) or isinstance(found, bool):
        return found is wanted
    if isinstance(wanted, int) and isinstance(found, list):
        return bool(found) and all(item == wanted for item in found)
    if isinstance(wanted, float) and isinstance(found, (int, float)):
        return math.isclose(found, wanted, rel_tol=1e-6, abs_tol=1e-7)
    return found == wanted
