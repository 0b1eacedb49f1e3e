"""What the sandbox must observe for a set of checks: probe requests and evaluation splits (and
which dataset statistics the host computes).
Only inputs cross into the sandbox; expected values and labels stay with the host."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.checks import KINDS
from grader.contract import ProbeRequest
from grader.spec.assignment import Assignment
from grader.spec.rubric import Check


@dataclass(frozen=True)
class ProbePlan:
    probes: list[ProbeRequest]
    splits: set[str]
    statistics: set[str]
    judges: set[str]  # datasets whose sample judge (grader/judge.py) scoring needs


def plan_probes(checks: Sequence[Check], params: Mapping[str, Any], assignment: Assignment) -> ProbePlan:
    probes: dict[str, ProbeRequest] = {}
    splits: set[str] = set()
    statistics: set[str] = set()
    judges: set[str] = set()
    for check in checks:
        kind = KINDS[check.kind]
        for request in kind.probes(check, params[check.id], assignment):
            probes.setdefault(request.id, request)  # checks asking the same question share one probe
        splits |= kind.evaluation_splits(check, params[check.id])
        statistics |= kind.dataset_statistics(check, params[check.id])
        judges |= kind.judges(check, params[check.id])
    return ProbePlan(list(probes.values()), splits, statistics, judges)
