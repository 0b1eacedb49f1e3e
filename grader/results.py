"""Result dataclasses and the versioned grade.json they are written as."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from grader.errors import ExitCode
from grader.i18n import ENGLISH, Language, Message, Translatable, from_json, localized, render, to_json

GRADE_SCHEMA_VERSION = 1


class Status(str, Enum):
    GRADED = "graded"
    UNGRADABLE = "ungradable"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    ERROR = "error"
    NEEDS_REVIEW = "needs-review"  # ran, but defines none of the names the checks need, or models of another framework


class CheckStatus(str, Enum):
    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    PENDING = "pending"   # manual points not entered yet


@dataclass
class CheckResult:
    id: str
    title: str
    kind: str
    visibility: str
    points: float
    max_points: float
    status: CheckStatus
    message: str
    expected: str | None = None
    observed: str | None = None
    cell: int | None = None          # 1-based cell number in the student's notebook
    place: dict[str, Any] | None = None  # where `cell` is, as Jupyter shows it (student_notebook.CellPlace)
    details: dict[str, Any] = field(default_factory=dict)  # kind-specific extras (e.g. an architecture table)
    # The fields above hold English (the rubric's default language); here, by path ("message",
    # "details/explanation"), the texts they were rendered from, to render them in another language.
    texts: dict[str, Translatable] = field(default_factory=dict)

    def localized(self, language: Language) -> CheckResult:
        """This result as a reader of `language` sees it."""
        if not self.texts:
            return self
        fields = localized({"title": self.title, "message": self.message, "expected": self.expected,
                            "observed": self.observed, "details": self.details}, self.texts, language)
        return replace(self, **fields)


@dataclass(frozen=True)
class LatePenalty:
    """A late submission's deduction (grader/late.py); `score_before` keeps the score it was taken
    from, the result's `score` is what remains."""

    submitted_at: str     # ISO 8601 with its offset
    deadline: str
    days_late: int        # whole days, a day begun counting as one
    fraction: float       # of score_before, deducted (per_day x days, at most the rule's cap)
    score_before: float
    deducted: float


@dataclass
class GradeResult:
    submission_id: str
    assignment: str
    rubric_version: int
    status: Status
    score: float
    max_score: float
    pass_mark: float
    checks: list[CheckResult]
    message: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    cells: list[dict[str, Any]] = field(default_factory=list)  # failing cells (and noted ones), each with its hint
    notes: list[str] = field(default_factory=list)
    sha256: str = ""                 # of the submitted file: same content, same grade
    peak_memory_mb: float | None = None  # largest resident memory of the notebook's processes
    seed: int | None = None          # given to random, numpy, torch and Keras before the first cell
    objects: dict[str, str] = field(default_factory=dict)  # instructor's --object: name looked up -> notebook's
    texts: dict[str, Translatable] = field(default_factory=dict)  # as CheckResult.texts: "message", "notes/0", ...
    late: LatePenalty | None = None  # a late submission's penalty, already taken from `score`
    schema: int = GRADE_SCHEMA_VERSION

    @property
    def pending_points(self) -> float:
        return sum(c.max_points for c in self.checks if c.status is CheckStatus.PENDING)

    @property
    def passed(self) -> bool:
        """Pass mark over the points that can be decided now (pending manual points excluded).
        A notebook that timed out or crashed keeps the points it earned before that."""
        if self.status in (Status.UNGRADABLE, Status.ERROR):
            return False
        decidable = self.max_score - self.pending_points
        return self.score >= self.pass_mark * decidable - 1e-9

    @property
    def exit_code(self) -> ExitCode:
        if self.status is Status.UNGRADABLE:
            return ExitCode.UNGRADABLE
        if self.status is Status.ERROR:
            return ExitCode.INFRASTRUCTURE
        if self.status is Status.NEEDS_REVIEW:
            return ExitCode.NEEDS_REVIEW
        return ExitCode.PASSED if self.passed else ExitCode.BELOW_PASS_MARK

    def note(self, message: Message) -> None:
        """Add a note: its English to `notes`, the text it was rendered from to `texts`."""
        if not isinstance(message, str):
            self.texts[f"notes/{len(self.notes)}"] = message
        self.notes.append(render(message) or "")

    def localized(self, language: Language) -> GradeResult:
        """This result as a reader of `language` sees it: every text the grader or the rubric wrote
        in that language, values as they are."""
        if language == ENGLISH and not self.texts and all(not c.texts for c in self.checks):
            return self
        fields = localized({"message": self.message, "notes": self.notes, "cells": self.cells}, self.texts, language)
        return replace(self, **fields, checks=[check.localized(language) for check in self.checks])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["passed"] = self.passed
        data["texts"] = {path: to_json(text) for path, text in self.texts.items()}
        for check, result in zip(data["checks"], self.checks):
            check["status"] = check["status"].value
            check["texts"] = {path: to_json(text) for path, text in result.texts.items()}
        if self.late is None:  # only a late submission's grade.json has one
            del data["late"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeResult:
        fields = {k: v for k, v in data.items() if k != "passed"}
        fields["status"] = Status(fields["status"])
        fields["texts"] = _texts(fields.get("texts"))
        fields["late"] = LatePenalty(**fields["late"]) if fields.get("late") else None
        fields["checks"] = [CheckResult(**{**c, "status": CheckStatus(c["status"]), "texts": _texts(c.get("texts"))})
                            for c in fields["checks"]]
        return cls(**fields)

    def write(self, path: Path) -> None:
        write_atomically(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False))


def _texts(data: dict[str, Any] | None) -> dict[str, Translatable]:
    return {path: from_json(text) for path, text in (data or {}).items()}


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def batch_exit_code(results: list[GradeResult]) -> ExitCode:
    """Worst code over the batch, by ExitCode.severity; 1 only when every submission was graded
    (docs/exit-codes.md)."""
    if not results:
        return ExitCode.USAGE
    return max((result.exit_code for result in results), key=lambda code: code.severity)
