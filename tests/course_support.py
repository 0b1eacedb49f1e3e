"""Grade a notebook of cells in a one-assignment course written on the fly, for checks that need
what architecture_support.write_lab does not give: provided datasets and evaluation splits."""

from __future__ import annotations

import textwrap

import yaml

from conftest import make_notebook


def grade_in_course(tmp_path, sandbox, cells: list[str], checks: list[dict], *, framework: str = "numpy",
                    spec: str = ""):
    """Grade `cells` against an assignment whose rubric is `checks`; `spec` adds assignment.yaml
    lines (datasets, evaluation, objects)."""
    from grader.course import load_assignment
    from grader.pipeline import GradingOptions, grade_notebook

    course = tmp_path / "course"
    (course / "assignments" / "lab").mkdir(parents=True)
    (course / "rubrics").mkdir()
    (course / "assignments" / "lab" / "assignment.yaml").write_text(textwrap.dedent(f"""\
        id: lab
        title: Lab
        framework: {framework}
        limits: {{cell_timeout: 60, total_timeout: 120, probe_timeout: 60}}
        resources: {{memory: 6GiB, cpus: 2}}
        """) + textwrap.dedent(spec))
    (course / "rubrics" / "lab.yaml").write_text(yaml.safe_dump({"assignment": "lab", "checks": checks}))
    notebook = make_notebook(tmp_path / "submission.ipynb", cells)
    return grade_notebook(load_assignment("lab", root=course), notebook, GradingOptions(sandbox=sandbox))
