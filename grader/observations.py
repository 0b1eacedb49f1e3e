"""The observations document that comes back from the sandbox, validated as untrusted input.

The document's frame (status, the cell records) is validated when it is parsed: a malformed one
makes the run an infrastructure error. A probe's result is validated into its typed class
(grader.contract) only when a check reads it, so a malformed result costs that check alone.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.contract import Execution, ProbeResult, RunStatus, result_from_json
from grader.i18n.text import Message
from grader.i18n.text import from_json as text_from_json
from grader.probe.jsonvalues import decode

R = TypeVar("R", bound=ProbeResult)


class Untrusted(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Observations(Untrusted):
    schema_version: int = Field(alias="schema")
    status: RunStatus
    reason: str | None = None                  # why the run ended early, in English
    reason_text: dict[str, Any] | None = None  # the same as a translatable text (grader/stopped.py)
    execution: Execution = Field(default_factory=Execution)
    probes: dict[str, dict[str, Any]] = Field(default_factory=dict)  # results as the kernel wrote them, by request id
    environment: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Observations:
        """Strict JSON (no NaN), then the schema; raises ValueError with a short reason."""
        try:
            document = json.loads(text, parse_constant=_reject_constant)
            return cls.model_validate(document)
        except (json.JSONDecodeError, ValidationError, ValueError) as exc:
            raise ValueError(f"malformed observations: {str(exc).splitlines()[0][:300]}") from None

    @property
    def why(self) -> Message | None:
        """Why the run ended early, to be rendered in the reader's language: the harness's text,
        or its English `reason` when there is none (or it does not read as a text)."""
        if self.reason_text is not None:
            try:
                return text_from_json(self.reason_text)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
        return self.reason

    def result(self, probe_id: str, kind: type[R]) -> R:
        """The result of the probe `probe_id` as `kind`, its values decoded; a failed one when no
        result came back. A result that does not fit `kind` raises ContractError (a ValueError),
        which costs only the check that reads it."""
        raw = self.probes.get(probe_id)
        if raw is None:
            missing = f"not checked: {self.reason}" if self.reason else "this check was not run (no result came back)"
            return kind.failed(missing)
        return result_from_json(kind, raw, decode=decode)


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")
