"""`artifact`: a file the notebook must write exists and loads."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal

from pydantic import Field, field_validator

from grader.checks.base import CheckKind, Evidence, Outcome, probe_id
from grader.contract import ArtifactRequest, ArtifactResult, ProbeRequest
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
            return Outcome.failed(f"could not inspect {params.path}: {result.error}")
        if not result.exists:
            return Outcome.failed(f"the notebook did not write {params.path}", expected=f"a file {params.path}")
        if result.size < params.min_bytes:
            return Outcome.failed(f"{params.path} has {result.size} bytes; expected at least {params.min_bytes}")
        if not result.loads:
            return Outcome.failed(f"{params.path} exists but does not load with {params.loader}: {result.error}")
        return Outcome.passed(f"{params.path} was written ({result.size} bytes) and loads", observed=result.summary)
