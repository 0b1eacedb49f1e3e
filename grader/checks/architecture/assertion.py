"""One architecture assertion: a small validated rubric object that looks at a model
description and says what it expected and what it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from grader.architecture.description import ModelDescription
from grader.spec.assignment import Strict


@dataclass(frozen=True)
class Verdict:
    passed: bool
    expected: str
    found: str
    marked: tuple[int, ...] = ()                            # step ids to mark in the table
    expected_rows: list[dict[str, str]] | None = field(default=None)  # the rubric's layers, to show beside
    notes: dict[int, str] = field(default_factory=dict)     # step id -> why it is marked ('nearest: p is 0.5, ...')


class Assertion(Strict):
    needs_trace: ClassVar[bool] = True  # False: answerable from weights and the training setup alone

    def verdict(self, model: ModelDescription) -> Verdict:
        raise NotImplementedError


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def names(steps: list, limit: int = 5) -> str:
    shown = ", ".join(step.name for step in steps[:limit])
    return shown + (f" and {len(steps) - limit} more" if len(steps) > limit else "")
