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
from grader.contract import CellRecord, CellStatus, ProbeRequest
from grader.i18n import N_, Message, Text
from grader.observations import Observations
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check
from grader.stopped import overrun_text
from grader.student_notebook import StudentNotebook, place_of


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
    notebook: StudentNotebook | None = None  # the submitted notebook, which names cells as Jupyter shows them

    def cell_label(self, cell: CellRecord) -> Text:
        """'cell [6] (code cell 4 of 12)': the cell as the student finds it in Jupyter."""
        return place_of(self.notebook, cell.index).label()


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
    # False when the check could not look at the answer (its code never ran, the name is missing):
    # the rubric's wrong-answer text (messages.fail) is for answers that were actually checked
    looked: bool = True

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
    """Fail with a pointer to the cell that should have defined name, if it did not run cleanly
    (not_run says why); else, when the names probe answered, "not defined; closest: ..." (`use`:
    what the check uses it as). The check could not look at the answer either way."""
    found = NOT_DEFINED.search(error or "")
    if found and evidence.names is not None and name in evidence.names:
        name = found.group(1)  # the probe's error is about another name it looked up
    cell = evidence.observations.execution.defining(name)
    number = cell.number if cell else None
    if cell is not None and cell.status in (CellStatus.ERROR, CellStatus.TIMEOUT, CellStatus.NOT_RUN):
        return Outcome.failed(not_run(evidence, cell), cell=number, looked=False)
    if evidence.names is not None and name not in evidence.names:
        return Outcome.failed(evidence.names.missing_text(name, use), cell=number, looked=False)
    if error is None:
        return Outcome.failed(N_("'{name}' is not defined in the notebook", name=name), cell=number, looked=False)
    return Outcome.failed(error, cell=number, looked=False)


def failed_probe_outcome(name: str, error: str | None, doing: Text, evidence: Evidence,
                         use: str | None = None) -> Outcome:
    """Why a probe about `name` failed: the cell that should have defined it when the name is
    missing, else "could not <doing>" with the probe's error (`doing`: "read the table 'x'"). Either
    way the answer itself was not checked."""
    if "is not defined" in (error or ""):
        return missing_name_outcome(name, error, evidence, use)
    cell = evidence.observations.execution.defining(name)
    return Outcome.failed(N_("could not {doing}: {error}", doing=doing, error=error),
                          cell=cell.number if cell else None, looked=False)


def not_run(evidence: Evidence, cell: CellRecord | None = None) -> Text:
    """Why a check could not look at what it checks: "not run because <cell [6] (code cell 4 of
    12) timed out / crashed / stopped with an error / the notebook stopped before it>". `cell`: the
    cell that holds what the check looks at, when known; else the cell that ended the run. The one
    place every kind (and scoring, for checks whose probes never ran) words it."""
    return N_("not run because {why}", why=what_stopped(evidence, cell))


def what_stopped(evidence: Evidence, cell: CellRecord | None = None) -> Text:
    """What happened to `cell` (a clause: "cell [6] (code cell 4 of 12) timed out: <which limit>");
    a cell that never ran is explained by the cell that ended the run, or by the run's reason."""
    execution = evidence.observations.execution
    if cell is None or cell.status == CellStatus.NOT_RUN:
        stopper = next((c for c in execution.code_cells if c.status == CellStatus.TIMEOUT or _crashed(c)), None)
        if cell is None and stopper is not None:
            return what_stopped(evidence, stopper)
        reason = evidence.observations.why or N_("the run ended early")
        if cell is None:
            return N_("the notebook stopped early: {reason}", reason=reason)
        if stopper is None:
            return N_("the notebook stopped before {cell}: {reason}", cell=evidence.cell_label(cell), reason=reason)
        return N_("the notebook stopped before {cell}: {earlier}", cell=evidence.cell_label(cell),
                  earlier=what_stopped(evidence, stopper))
    label = evidence.cell_label(cell)
    error = cell.error or {}
    if cell.status == CellStatus.TIMEOUT:
        limit = overrun_text(cell.overrun) if cell.overrun is not None else error.get("evalue", "")
        return N_("{cell} timed out: {limit}", cell=label, limit=limit)
    if _crashed(cell):
        return N_("{cell} crashed: {detail}", cell=label, detail=error.get("evalue", ""))
    if cell.status == CellStatus.ERROR:
        return N_("{cell} stopped with {error}", cell=label, error=": ".join(
            part for part in (error.get("ename"), error.get("evalue")) if part))
    return N_("{cell} ran", cell=label)


def _crashed(cell: CellRecord) -> bool:
    return cell.status == CellStatus.ERROR and (cell.error or {}).get("ename") == "KernelDied"
