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
from grader.i18n import N_, Message, Text, join
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

    def range_text(self) -> Text:
        if self.equals is not None:
            return N_("exactly {n}", n=_number(self.equals))
        if self.max == 0 and self.min in (None, 0):
            return N_("no")
        if self.min is not None and self.max is not None:
            return N_("between {min} and {max}", min=_number(self.min), max=_number(self.max))
        return (N_("at least {n}", n=_number(self.min)) if self.min is not None
                else N_("at most {n}", n=_number(self.max)))

    def counted(self, noun: Message) -> Text:
        """'at least 2 <noun>' (a language may put the number after the noun)."""
        return N_("{range} {noun}", range=self.range_text(), noun=noun)


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

    def mismatches(self, step: Step, model: ModelDescription) -> list[Text]:
        """Why step is not one of these layers ('p is 0.5, expected 0.3'); empty when it is."""
        if self.kind != ANY and step.kind != self.kind:
            return [N_("is a {found} layer, expected {expected}", found=step.kind, expected=self.kind)]
        reasons = [N_("{setting} is {found}, expected {expected}", setting=name, found=_shown(step.settings.get(name)),
                      expected=value_text(wanted))
                   for name in _SETTINGS if (wanted := getattr(self, name)) is not None
                   and not _same(step.settings.get(name), wanted)]
        if self.activation is not None:
            found = step.settings.get("activation") if step.kind == "activation" else model.activation_after(step)
            if canonical_activation(found) != self.activation:
                reasons.append(N_("{setting} is {found}, expected {expected}", setting="activation",
                                  found=str(canonical_activation(found)), expected=self.activation))
        if self.recurrent_activation is not None:
            found = canonical_activation(step.settings.get("recurrent_activation"))
            if found != self.recurrent_activation:
                reasons.append(N_("{setting} is {found}, expected {expected}", setting="recurrent_activation",
                                  found=str(found), expected=self.recurrent_activation))
        if (self.kind == "dropout" or self.p is not None) and model.inactive(step):
            reasons.append(N_("it runs with training=False, so it never drops anything"))
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

    def text(self, *, plural: bool = False) -> Text:
        """'hidden linear layers with units=32, activation=relu'."""
        noun = Text(_NOUNS[(self.kind == ANY, self.hidden, plural)].msgid, {"kind": self.kind})
        wanted = self.settings_text()
        return N_("{layer} with {settings}", layer=noun, settings=wanted) if wanted else noun

    def short_text(self, framework: str) -> str:
        """As the student's framework would write the layer: 'Dense(32, relu)', 'Dropout(p=0.3)'."""
        width = self.units if self.units is not None else self.filters
        parts = [str(width)] if width is not None else []
        parts += [self.activation] if self.activation is not None else []
        parts += [f"{name}={value_text(getattr(self, name))}" for name in (*_SETTINGS, "recurrent_activation")
                  if name not in ("units", "filters") and getattr(self, name) is not None]
        return f"{layer_name(self.kind, framework)}({', '.join(parts)})" if parts else layer_name(self.kind, framework)

    def row(self) -> dict[str, Message]:
        """This selector as a row of the expected-architecture table."""
        return {"kind": self.kind, "settings": self.settings_text()}


@dataclass(frozen=True)
class Near:
    """A step that does not match a selector, and why."""

    step: Step
    reasons: tuple[Text, ...]

    def text(self) -> Text:
        """'layers.0 at step 1: p is 0.5, expected 0.3'."""
        return N_("{name} at step {step}: {reasons}", name=self.step.name, step=self.step.id + 1,
                  reasons=join(self.reasons))

    @property
    def note(self) -> Text:
        """The table's note on the step: 'nearest: p is 0.5, expected 0.3'."""
        return N_("nearest: {reasons}", reasons=join(self.reasons))


# (any kind, hidden only, plural) -> the noun; {kind} is the layer kind
_NOUNS = {(True, False, False): N_("layer"), (True, False, True): N_("layers"),
          (True, True, False): N_("hidden layer"), (True, True, True): N_("hidden layers"),
          (False, False, False): N_("{kind} layer"), (False, False, True): N_("{kind} layers"),
          (False, True, False): N_("hidden {kind} layer"), (False, True, True): N_("hidden {kind} layers")}


def _shown(value: Any) -> Message:
    return N_("not set") if value is None else value_text(value)


def _same(found: Any, wanted: Any) -> bool:
    """Settings compare loosely: 3 matches [3, 3], 0.3 matches 0.30000001 (a float32 rate)."""
    if isinstance(wanted, bool) or isinstance(found, bool):
        return found is wanted
    if isinstance(wanted, int) and isinstance(found, list):
        return bool(found) and all(item == wanted for item in found)
    if isinstance(wanted, float) and isinstance(found, (int, float)):
        return math.isclose(found, wanted, rel_tol=1e-6, abs_tol=1e-7)
    return found == wanted
