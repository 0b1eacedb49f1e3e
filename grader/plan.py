"""What the sandbox must observe for a set of checks: probe requests and evaluation splits (and
which dataset statistics the host computes).
Only inputs cross into the sandbox; expected values and labels stay with the host."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.checks import KINDS
from grader.checks.namespace import NAMES_PROBE
from grader.contract import ProbeRequest
from grader.spec.assignment import Assignment
from grader.spec.rubric import Check


@dataclass(frozen=True)
class ProbePlan:
    probes: list[ProbeRequest]
    splits: set[str]
    statistics: set[str]
    judges: set[str]  # datasets whose sample judge (grader/judge.py) scoring needs


def plan_probes(checks: Sequence[Check], params: Mapping[str, Any], assignment: Assignment,
                renamed: Mapping[str, str] | None = None) -> ProbePlan:
    """The requests (each name looked up replaced as `renamed` says: the instructor's
    per-student --object), led by the names probe when any request looks up a name, so that
    scoring can tell a missing name from a failing one (grader/checks/triage.py)."""
    probes: dict[str, ProbeRequest] = {}
    splits: set[str] = set()
    statistics: set[str] = set()
    judges: set[str] = set()
    for check in checks:
        kind = KINDS[check.kind]
        for request in kind.probes(check, params[check.id], assignment):
            # checks asking the same question share one probe; a rename keeps the id
            probes.setdefault(request.id, request.renamed(renamed or {}))
        splits |= kind.evaluation_splits(check, params[check.id])
        statistics |= kind.dataset_statistics(check, params[check.id])
        judges |= kind.judges(check, params[check.id])
    if any(request.names() for request in probes.values()):
        probes = {NAMES_PROBE.id: NAMES_PROBE, **probes}
    return ProbePlan(list(probes.values()), splits, statistics, judges)
