"""`grader validate`: the reference solution earns every point, and each known-wrong submission
loses exactly the checks its metadata declares (metadata.grader.expect)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.pipeline import GradingRun, grade_notebook
from grader.results import CheckStatus, GradeResult
from grader.course import LoadedAssignment


@dataclass
class Verdict:
    notebook: str
    ok: bool
    message: str
    result: GradeResult | None = None


@dataclass
class ValidationReport:
    assignment: str
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)


def validate_assignment(assignment: LoadedAssignment, run: GradingRun, *, workers: int = 1) -> ValidationReport:
    """Grade the reference and every known-wrong notebook (`workers` at a time) and judge each."""
    report = ValidationReport(assignment.id)
    if assignment.reference is None:
        report.verdicts.append(Verdict("reference", False, "no reference solution found"))
        return report
    notebooks = [assignment.reference, *assignment.known_wrong]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(lambda nb: grade_notebook(assignment, nb, run, submission_id=nb.stem), notebooks))
    report.verdicts.append(_check_reference(results[0]))
    for notebook, result in zip(assignment.known_wrong, results[1:]):
        report.verdicts.append(_check_wrong(notebook, read_expectation(notebook), result, assignment))
    return report


def _check_reference(result: GradeResult) -> Verdict:
    lost = [c.id for c in result.checks if c.status not in (CheckStatus.PASSED, CheckStatus.PENDING)]
    if result.status.value != "graded" or lost:
        why = result.message or ", ".join(f"{c.id}: {c.message}" for c in result.checks if c.id in lost)
        return Verdict("reference", False, f"reference solution lost points ({why})", result)
    return Verdict("reference", True, f"full marks ({result.score:g}/{result.max_score:g})", result)


def read_expectation(notebook: Path) -> dict:
    """metadata.grader.expect of a known-wrong notebook: {"failing": [...], "status": "graded"}."""
    try:
        expect = nbformat.read(str(notebook), as_version=4).metadata.get("grader", {}).get("expect", {})
    except Exception:  # a deliberately corrupt notebook declares its expectation in a sidecar file
        sidecar = notebook.with_suffix(".expect.json")
        expect = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    return dict(expect)


def _check_wrong(notebook: Path, expect: dict, result: GradeResult, assignment: LoadedAssignment) -> Verdict:
    declared = set(expect.get("failing", []))
    unknown = declared - {c.id for c in assignment.rubric.checks}
    if unknown:
        return Verdict(notebook.name, False, f"declares unknown check(s): {', '.join(sorted(unknown))}", result)
    status = expect.get("status", "graded")
    lost = {c.id for c in result.checks if c.status not in (CheckStatus.PASSED, CheckStatus.PENDING)}
    problems = []
    if result.status.value != status:
        problems.append(f"status {result.status.value}, declared {status}")
    if status == "graded" and lost != declared:
        if lost - declared:
            problems.append("unexpectedly lost " + ", ".join(f"{c.id} ({c.message})" for c in result.checks if c.id in lost - declared))
        if declared - lost:
            problems.append("unexpectedly kept " + ", ".join(sorted(declared - lost)))
    if problems:
        return Verdict(notebook.name, False, "; ".join(problems), result)
    if status != "graded":
        return Verdict(notebook.name, True, f"ends {status} as declared ({result.message})", result)
    points = sum(c.max_points - c.points for c in result.checks if c.status is not CheckStatus.PENDING)
    return Verdict(notebook.name, True, f"loses {', '.join(sorted(lost)) or 'nothing'} ({points:g} points) as declared", result)
