"""The rubric: rubrics/<id>.yaml (format in docs/formats.md). Kind-specific params live in grader.checks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from grader.spec.assignment import IDENTIFIER, Strict
from grader.spec.localized import LocalizedText


class Messages(Strict):
    """The instructor's own words for a verdict, in one language or several (grader/spec/localized.py)."""

    passed: LocalizedText | None = Field(None, alias="pass")
    failed: LocalizedText | None = Field(None, alias="fail")


class Check(Strict):
    id: str = Field(pattern=IDENTIFIER)
    title: LocalizedText
    kind: str
    points: float = Field(ge=0)
    visibility: Literal["public", "hidden"] = "public"
    params: dict[str, Any] = Field(default_factory=dict)
    messages: Messages = Messages()


class Rubric(Strict):
    assignment: str = Field(pattern=IDENTIFIER)
    version: int = Field(1, ge=1, description="bump when checks change; the gradebook re-scores on change")
    pass_mark: float = Field(0.5, ge=0, le=1, description="fraction of the maximum score needed to pass")
    checks: list[Check] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        seen: set[str] = set()
        for check in self.checks:
            if check.id in seen:
                raise ValueError(f"check id {check.id!r} is used twice")
            seen.add(check.id)
        return self

    @property
    def max_points(self) -> float:
        return sum(check.points for check in self.checks)

    def public_only(self) -> Rubric:
        """The rubric a student may see: hidden checks removed."""
        return self.model_copy(update={"checks": [c for c in self.checks if c.visibility == "public"]})
