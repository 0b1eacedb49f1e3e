"""`artifact`: a file the notebook must write exists and loads."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal

from pydantic import Field, field_validator

from grader.checks.base import CheckKind, Evidence, Outcome, probe_id
from grader.contract import ArtifactRequest, ArtifactResult, ProbeRequest
from grader.i18n import N_
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


class ArtifactParams(Strict):
    path: str = Field(description="relative to the notebook's folder")
    loader: Literal["exists", "numpy", "json", "torch", "keras", "text"] = "exists"
    min_bytes: int = Field(1, ge=0)

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        parts = PurePosixPath(value).parts
        if not parts or PurePosixPath(value).is_absolute() or ".." in parts:
            raise ValueError("must be a relative path inside the notebook's folder")
        return value


class Artifact(CheckKind):
    name = "artifact"
    Params = ArtifactParams

    def probes(self, check: Check, params: ArtifactParams, assignment: Assignment) -> list[ProbeRequest]:
        return [ArtifactRequest(id=probe_id(check.id), path=params.path, loader=params.loader)]

    def evaluate(self, check: Check, params: ArtifactParams, evidence: Evidence) -> Outcome:
        result = evidence.observations.result(probe_id(check.id), ArtifactResult)
        if not result.ok:
            return Outcome.failed(N_("could not inspect {path}: {error}", path=params.path, error=result.error))
        if not result.exists:
            return Outcome.failed(N_("the notebook did not write {path}", path=params.path),
                                  expected=N_("a file {path}", path=params.path))
        if result.size < params.min_bytes:
            return Outcome.failed(N_("{path} has {size} bytes; expected at least {min}", path=params.path,
                                     size=result.size, min=params.min_bytes))
        if not result.loads:
            return Outcome.failed(N_("{path} exists but does not load with {loader}: {error}", path=params.path,
                                     loader=params.loader, error=result.error))
        return Outcome.passed(N_("{path} was written ({size} bytes) and loads", path=params.path, size=result.size),
                              observed=result.summary)
