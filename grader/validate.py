"""`grader validate`: the reference solution earns every point, and each known-wrong submission
loses exactly the checks its metadata declares (metadata.grader.expect), on the hidden split of
this machine's dataset cache or, with `draws`, on that many freshly drawn hidden splits.

A draw changes only what the notebook never sees, so each notebook runs once: its probes are asked
again on every draw's inputs in the same kernel, and the grade is scored once per draw with that
draw's labels (a cache's hidden split is a random variable; a proof must hold on every draw)."""

from __future__ import annotations

import dataclasses
import json
import secrets
import statistics
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.course import LoadedAssignment
from grader.evaluation import hidden_draw
from grader.pipeline import GradingOptions, Rejected, conclude, grade_planned, interpret, plan_submission
from grader.results import CheckStatus, GradeResult
from grader.scoring import score


@dataclass
class Verdict:
    notebook: str
    ok: bool
    message: str
    result: GradeResult | None = None


@dataclass
class Spread:
    """How one hidden metric check's value (or its margin over a baseline) varied over the draws."""

    notebook: str
    check: str
    what: str                 # "accuracy", or "accuracy over the baseline"
    values: list[float]

    def line(self) -> str:
        mean, spread = statistics.fmean(self.values), statistics.pstdev(self.values)
        return (f"{self.notebook} {self.check}: {self.what} {mean:.4f} ± {spread:.4f} "
                f"(min {min(self.values):.4f}, max {max(self.values):.4f})")


@dataclass
class ValidationReport:
    assignment: str
    verdicts: list[Verdict] = field(default_factory=list)
    draws: int = 1
    spreads: list[Spread] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)


def validate_assignment(assignment: LoadedAssignment, run: GradingOptions, *, workers: int = 1,
                        draws: int = 1) -> ValidationReport:
    """Grade the reference and every known-wrong notebook (`workers` at a time) on `draws` hidden
    splits (the cache's own, then fresh ones) and judge each notebook on every draw."""
    report = ValidationReport(assignment.id, draws=draws)
    if assignment.reference is None:
        report.verdicts.append(Verdict("reference", False, "no reference solution found"))
        return report
    notebooks = [assignment.reference, *assignment.known_wrong]
    seeds = [secrets.randbits(63) for _ in range(draws - 1)]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        graded = list(pool.map(lambda nb: grade_over_draws(assignment, nb, run, seeds), notebooks))
    for index, (notebook, results) in enumerate(zip(notebooks, graded)):
        verdicts = [_check_reference(result) if index == 0 else
                    _check_wrong(notebook, read_expectation(notebook), result, assignment) for result in results]
        report.verdicts.append(_over_draws(verdicts, seeds))
        report.spreads += _spreads(notebook.stem if index else "reference", results) if draws > 1 else []
    return report


def grade_over_draws(assignment: LoadedAssignment, notebook: Path, run: GradingOptions, seeds: list[int]
                     ) -> list[GradeResult]:
    """One grade per hidden split: the cache's, then one drawn from each seed, from a single run
    of the notebook whose probes on hidden inputs are asked once more per seed."""
    planned = plan_submission(assignment, notebook, run, submission_id=notebook.stem)
    if isinstance(planned, Rejected) or not seeds:
        return [grade_planned(planned, run).result]
    request, host = planned.request, planned.host
    names = {Path(name).stem for name in request.job.eval_inputs}
    drawn = [hidden_draw(assignment.spec, names, seed) for seed in seeds]
    files, probes = dict(request.files), list(request.job.probes)
    inputs = list(request.job.eval_inputs)
    for number, draw in enumerate(drawn, start=1):
        for name, (drawn_inputs, _labels) in draw.items():
            files[f"eval/draw-{number}/{name}.npy"] = drawn_inputs
            inputs.append(f"eval/draw-{number}/{name}.npy")
            moved = {f"eval/{name}.npy": f"eval/draw-{number}/{name}.npy"}
            probes += [dataclasses.replace(probe.relocated(moved.__getitem__), id=f"{probe.id}@draw-{number}")
                       for probe in request.job.probes if getattr(probe, "inputs", None) in moved]
    # every draw sends its own answers back (a segmentation lab's masks are megabytes a draw)
    job = dataclasses.replace(request.job, probes=probes, eval_inputs=sorted(inputs),
                              observations_cap=request.job.observations_cap * (len(seeds) + 1))
    sandboxed = run.sandbox.run(dataclasses.replace(request, job=job, files=files))
    first = conclude(planned, sandboxed, run).result
    observations, failure = interpret(sandboxed)
    results = [first]
    for number, draw in enumerate(drawn, start=1):
        if observations is None:
            results.append(first)
            continue
        suffix = f"@draw-{number}"
        answers = {key.removesuffix(suffix): value for key, value in observations.probes.items()
                   if key.endswith(suffix)}
        seen = observations.model_copy(update={"probes": {**observations.probes, **answers}})
        labels = {**host.labels, **{name: truth for name, (_inputs, truth) in draw.items()}}
        results.append(score(submission_id=planned.submission_id, assignment=assignment.spec, rubric=assignment.rubric,
                             checks=planned.checks, params=assignment.params, observations=seen,
                             host=dataclasses.replace(host, labels=labels), failure=failure))
    return results


def _over_draws(verdicts: list[Verdict], seeds: list[int]) -> Verdict:
    """One verdict for a notebook: it holds when it holds on every draw."""
    if len(verdicts) == 1:
        return verdicts[0]
    failed = [(number, verdict) for number, verdict in enumerate(verdicts) if not verdict.ok]
    if not failed:
        return dataclasses.replace(verdicts[0], message=f"{verdicts[0].message}, on all {len(verdicts)} draws")
    number, verdict = failed[0]
    where = "the cache's hidden split" if number == 0 else f"draw {number} (seed {seeds[number - 1]})"
    return Verdict(verdict.notebook, False, f"fails on {len(failed)} of {len(verdicts)} draws; first on {where}: "
                   f"{verdict.message}", verdict.result)


def _spreads(label: str, results: list[GradeResult]) -> list[Spread]:
    """Each hidden metric check's value and margin over the draws."""
    spreads = []
    for check in results[0].checks:
        details = [next(c.details for c in result.checks if c.id == check.id) for result in results]
        if check.visibility != "hidden" or not all(isinstance(d, dict) and "value" in d for d in details):
            continue
        metric = details[0].get("metric", "value")
        spreads.append(Spread(label, check.id, metric, [float(d["value"]) for d in details]))
        if all("baseline" in d for d in details):
            spreads.append(Spread(label, check.id, f"{metric} over the baseline",
                                  [float(d["value"]) - float(d["baseline"]) for d in details]))
    return spreads


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
            problems.append("unexpectedly lost " + ", ".join(f"{c.id} ({c.message})" for c in result.checks
                                                             if c.id in lost - declared))
        if declared - lost:
            problems.append("unexpectedly kept " + ", ".join(sorted(declared - lost)))
    if problems:
        return Verdict(notebook.name, False, "; ".join(problems), result)
    if status != "graded":
        return Verdict(notebook.name, True, f"ends {status} as declared ({result.message})", result)
    points = sum(c.max_points - c.points for c in result.checks if c.status is not CheckStatus.PENDING)
    return Verdict(notebook.name, True, f"loses {', '.join(sorted(lost)) or 'nothing'} ({points:g} points) as declared",
                   result)
