"""One architecture assertion: a small validated rubric object that looks at a model
description and says what it expected and what it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from grader.architecture.description import ModelDescription
from grader.i18n import N_, Message, N_plural, Text
from grader.spec.assignment import Strict


@dataclass(frozen=True)
class Verdict:
    passed: bool
    expected: Message
    found: Message
    marked: tuple[int, ...] = ()                            # step ids to mark in the table
    expected_rows: list[dict[str, Message]] | None = field(default=None)  # the rubric's layers, to show beside
    notes: dict[int, Message] = field(default_factory=dict)  # step id -> why it is marked ('nearest: p is 0.5, ...')


class Assertion(Strict):
    needs_trace: ClassVar[bool] = True  # False: answerable from weights and the training setup alone

    def verdict(self, model: ModelDescription) -> Verdict:
        raise NotImplementedError


def dense_layers(count: int) -> Text:
    """'1 dense layer', '3 dense layers'."""
    return N_plural("{n} dense layer", "{n} dense layers", n=count)


def layers(count: int) -> Text:
    return N_plural("{n} layer", "{n} layers", n=count)


def names(steps: list, limit: int = 5) -> Message:
    shown = ", ".join(step.name for step in steps[:limit])
    return N_("{names} and {more} more", names=shown, more=len(steps) - limit) if len(steps) > limit else shown
