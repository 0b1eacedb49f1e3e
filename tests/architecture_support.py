"""Helpers for the introspection tests: describe a real model in-process (through strict JSON, as
it would cross the sandbox boundary), judge it with rubric assertions, and grade a notebook
through a small course written on the fly."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import yaml

from conftest import make_notebook
from grader.architecture.description import ModelDescription
from grader.checks.architecture import ArchitectureParams, verdict_for
from grader.checks.architecture.assertion import Verdict
from grader.probe.introspect import describe_model


def describe(model, *, shape=None, namespace=None, **options) -> ModelDescription:
    inputs = [{"shape": list(shape)}] if shape is not None else None
    raw = describe_model(model, namespace=namespace, inputs=inputs, **options)
    return ModelDescription.model_validate(json.loads(json.dumps(raw, allow_nan=False)))


def judge(model: ModelDescription, *expect: dict) -> list[Verdict]:
    """The verdicts, their texts in English (as grade.json keeps them)."""
    params = ArchitectureParams.model_validate({"expect": list(expect)})
    return [english(verdict_for(item, model)) for item in params.expect]


def english(verdict: Verdict) -> Verdict:
    from dataclasses import replace

    from grader.i18n import render

    rows = [{key: render(value) for key, value in row.items()} for row in verdict.expected_rows or []]
    return replace(verdict, expected=render(verdict.expected), found=render(verdict.found),
                   notes={step: render(note) for step, note in verdict.notes.items()},
                   expected_rows=rows if verdict.expected_rows is not None else None)


def holds(model: ModelDescription, *expect: dict) -> bool:
    return all(verdict.passed for verdict in judge(model, *expect))


def kinds(model: ModelDescription) -> list[str]:
    return [step.kind for step in model.layers]


def write_lab(tmp_path: Path, *, framework: str, checks: list[dict], memory: str = "8GiB"):
    """A one-assignment course `lab` whose rubric is `checks`, loaded like any course."""
    from grader.course import load_assignment

    course = tmp_path / "course"
    (course / "assignments" / "lab").mkdir(parents=True)
    (course / "rubrics").mkdir()
    (course / "assignments" / "lab" / "assignment.yaml").write_text(textwrap.dedent(f"""\
        id: lab
        title: Architecture lab
        framework: {framework}
        limits: {{cell_timeout: 90, total_timeout: 180, probe_timeout: 90}}
        resources: {{memory: {memory}, cpus: 2}}
        """))
    (course / "rubrics" / "lab.yaml").write_text(yaml.safe_dump({"assignment": "lab", "checks": checks}, sort_keys=False))
    return load_assignment("lab", root=course)


def grade_cells(tmp_path: Path, sandbox, *, framework: str, checks: list[dict], cells: list[str]):
    """Grade a notebook of `cells` against an assignment whose rubric is `checks`."""
    from grader.pipeline import GradingOptions, grade_notebook

    notebook = make_notebook(tmp_path / "submission.ipynb", cells)
    return grade_notebook(write_lab(tmp_path, framework=framework, checks=checks), notebook,
                          GradingOptions(sandbox=sandbox, out_dir=tmp_path / "out"))
