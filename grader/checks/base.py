"""What a check kind is: parameters, the probes it needs from the sandbox, and a pure evaluation."""

from __future__ import annotations

import abc
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar

import numpy as np

from grader.checks.namespace import Namespace
from grader.contract import CellStatus, ProbeRequest
from grader.i18n import Message
from grader.observations import Observations
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


@dataclass(frozen=True)
class HostData:
    """What scoring may know that never enters a sandbox, prepared by the host for the checks that
    ask for it (CheckKind.evaluation_splits, dataset_statistics, judges)."""

    labels: Mapping[str, np.ndarray] = field(default_factory=dict)  # "public"/"hidden" -> labels
    statistics: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)  # "cifar10/train" -> mean, std
    judges: Mapping[str, Any] = field(default_factory=dict)  # dataset -> grader.judge.SampleJudge


@dataclass(frozen=True)
class Evidence:
    """All that scoring may look at: the sandbox's validated observations and host-only data."""

    observations: Observations
    assignment: Assignment
    host: HostData = HostData()
    names: Namespace | None = None  # what the notebook defined (the names probe), when it answered


@dataclass
class Outcome:
    """A check's verdict. fraction is the share of its points earned; None means pending. The
    texts are the grader's own words (grader.i18n.N_), rendered in the reader's language later."""

    fraction: float | None
    message: Message
    expected: Message | None = None
    observed: Message | None = None
    cell: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, message: Message, **kw: Any) -> Outcome:
        return cls(1.0, message, **kw)

    @classmethod
    def failed(cls, message: Message, **kw: Any) -> Outcome:
        return cls(0.0, message, **kw)


class CheckKind(abc.ABC):
    """One kind of rubric check. Subclasses set `name` and `Params` and implement evaluate."""

    name: ClassVar[str]
    Params: ClassVar[type[Strict]]

    def probes(self, check: Check, params: Any, assignment: Assignment) -> list[ProbeRequest]:
        """Requests for the kernel (ids from probe_id or shared_probe). Never include expected values."""
        return []

    def evaluation_splits(self, check: Check, params: Any) -> set[str]:
        """Evaluation splits ("public"/"hidden") whose inputs the sandbox needs for this check."""
        return set()

    def dataset_statistics(self, check: Check, params: Any) -> set[str]:
        """Datasets ("<dataset>/<split>") whose per-channel statistics the host computes for this check."""
        return set()

    def judges(self, check: Check, params: Any) -> set[str]:
        """Datasets whose sample judge (grader/judge.py, host-only) scoring needs for this check."""
        return set()

    @abc.abstractmethod
    def evaluate(self, check: Check, params: Any, evidence: Evidence) -> Outcome: ...


def probe_id(check_id: str, number: int = 0) -> str:
    return f"{check_id}#{number}"


Request = TypeVar("Request", bound=ProbeRequest)


def shared_probe(request: Request, prefix: str) -> Request:
    """request with an id made of its content ("<prefix>:<hash>"), so that checks asking the same
    question share one probe."""
    body = {key: value for key, value in request.to_json().items() if key != "id"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    return replace(request, id=f"{prefix}:{digest}")


def short(value: Any, limit: int = 160) -> str:
    """A compact, readable rendering of a value for feedback."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, suppress=True, threshold=20, edgeitems=3):
            text = np.array2string(value, separator=", ")
        text = f"array{list(value.shape)} {text}" if value.ndim > 1 else text
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


NOT_DEFINED = re.compile(r"name '(\w+)' is not defined")


def missing_name_outcome(name: str, error: str | None, evidence: Evidence, use: str | None = None) -> Outcome:
    """Fail with a pointer to the cell that should have defined name, if it failed; else, when
    the names probe answered, "not defined; closest: ..." (`use`: what the check uses it as)."""
    found = NOT_DEFINED.search(error or "")
    if found and evidence.names is not None and name in evidence.names:
        name = found.group(1)  # the probe's error is about another name it looked up
    cell = evidence.observations.execution.defining(name)
    if cell is not None and cell.status in (CellStatus.ERROR, CellStatus.TIMEOUT, CellStatus.NOT_RUN):
        detail = cell.error["evalue"] if cell.error else cell.status.replace("_", " ")
        return Outcome.failed(f"'{name}' is defined in cell {cell.number}, which did not run cleanly: {detail}",
                              cell=cell.number)
    if evidence.names is not None and name not in evidence.names:
        return Outcome.failed(evidence.names.missing_text(name, use), cell=cell.number if cell else None)
    return Outcome.failed(error or f"'{name}' could not be used", cell=cell.number if cell else None)


def failed_probe_outcome(name: str, error: str | None, doing: str, evidence: Evidence,
                         use: str | None = None) -> Outcome:
    """Why a probe about `name` failed: the cell that should have defined it when the name is
    missing, else "could not <doing>" with the probe's error."""
    if "is not defined" in (error or ""):
        return missing_name_outcome(name, error, evidence, use)
    cell = evidence.observations.execution.defining(name)
    return Outcome.failed(f"could not {doing}: {error}", cell=cell.number if cell else None)
