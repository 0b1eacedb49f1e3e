"""The observations document that comes back from the sandbox, validated as untrusted input."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.probe.jsonvalues import decode


class Untrusted(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CellObservation(Untrusted):
    index: int
    status: Literal["ok", "error", "timeout", "not_run", "skipped"]
    source_head: str = ""
    defines: list[str] = Field(default_factory=list)
    error: dict[str, str] | None = None
    output_text: str = ""
    seconds: float = 0.0

    @property
    def number(self) -> int:
        """The cell's number as the student counts (1-based)."""
        return self.index + 1


class ExecutionObservation(Untrusted):
    seconds: float = 0.0
    kernel_died: bool = False
    total_timeout: bool = False
    cells: list[CellObservation] = Field(default_factory=list)

    @property
    def code_cells(self) -> list[CellObservation]:
        return [c for c in self.cells if c.status != "skipped"]

    def defining(self, name: str) -> CellObservation | None:
        """The last cell that defines name at top level, to point feedback at it."""
        return next((c for c in reversed(self.cells) if name in c.defines), None)


class ProbeResult(Untrusted):
    ok: bool
    error: str | None = None
    value: Any = None
    model_config = ConfigDict(extra="allow", frozen=True)

    def field(self, name: str, default: Any = None) -> Any:
        """A decoded result field, declared (like value) or extra (like shape)."""
        if name in type(self).model_fields:
            return decode(getattr(self, name))
        return decode((self.model_extra or {}).get(name, default))

    def decoded_value(self) -> Any:
        return decode(self.value)


class Observations(Untrusted):
    schema_version: int = Field(alias="schema")
    status: Literal["completed", "ungradable", "timeout", "crashed", "error"]
    reason: str | None = None
    execution: ExecutionObservation = ExecutionObservation()
    probes: dict[str, ProbeResult] = Field(default_factory=dict)
    environment: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "Observations":
        """Strict JSON (no NaN), then the schema; raises ValueError with a short reason."""
        try:
            document = json.loads(text, parse_constant=_reject_constant)
            return cls.model_validate(document)
        except (json.JSONDecodeError, ValidationError, ValueError) as exc:
            raise ValueError(f"malformed observations: {str(exc).splitlines()[0][:300]}") from None

    def probe(self, probe_id: str) -> ProbeResult:
        missing = f"not checked: {self.reason}" if self.reason else "this check was not run (no result came back)"
        return self.probes.get(probe_id) or ProbeResult(ok=False, error=missing)


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")
