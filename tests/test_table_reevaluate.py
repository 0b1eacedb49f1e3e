"""The `table` check's `reevaluate`: the best row's model predicts on the public test inputs in a
real kernel, the host recomputes the metric from labels it keeps, and a reported value that the
model does not reach fails."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from conftest import make_notebook
from grader.errors import SpecError
from grader.results import CheckStatus

CHECK = {"id": "search", "title": "Search table", "kind": "table", "points": 1,
         "params": {"name": "results", "columns": ["model", "accuracy"],
                    "reevaluate": {"models": "models", "key": "model", "column": "accuracy", "metric": "accuracy"}}}

MODELS = """\
import numpy as np
import pandas as pd
data = np.load('data/blobs2d.npz')
class Radius:
    def predict(self, x):
        return (np.hypot(x[:, 0], x[:, 1]) > 1.5).astype(int)
models = {'radius': Radius(), 'zeros': lambda x: np.zeros(len(x), int)}
def accuracy(name):
    model = models[name]
    predictions = model.predict(data['x_test']) if hasattr(model, 'predict') else model(data['x_test'])
    return float((predictions == data['y_test']).mean())
"""


def course(tmp_path, checks):
    from grader.course import load_assignment

    root = tmp_path / "course"
    (root / "assignments" / "lab").mkdir(parents=True)
    (root / "rubrics").mkdir()
    (root / "assignments" / "lab" / "assignment.yaml").write_text(textwrap.dedent("""\
        id: lab
        title: Reevaluation lab
        framework: numpy
        limits: {cell_timeout: 30, total_timeout: 60, probe_timeout: 30}
        resources: {memory: 2GiB, cpus: 1}
        datasets: [blobs2d]
        evaluation:
          public: {dataset: blobs2d, split: test}
        """))
    (root / "rubrics" / "lab.yaml").write_text(yaml.safe_dump({"assignment": "lab", "checks": checks}))
    return load_assignment("lab", root=root)


def grade(tmp_path, sandbox, table_cell):
    from grader.pipeline import GradingOptions, grade_notebook

    notebook = make_notebook(tmp_path / "submission.ipynb", [MODELS, table_cell])
    result = grade_notebook(course(tmp_path, [CHECK]), notebook, GradingOptions(sandbox=sandbox, out_dir=tmp_path / "out"))
    return result.checks[0]


@pytest.mark.slow
def test_an_honest_table_passes(tmp_path, local_sandbox):
    check = grade(tmp_path, local_sandbox,
                  "results = pd.DataFrame({'model': list(models), 'accuracy': [accuracy(m) for m in models]})")
    assert check.status is CheckStatus.PASSED, check.message


@pytest.mark.slow
def test_a_forged_best_metric_fails_with_both_values(tmp_path, local_sandbox):
    check = grade(tmp_path, local_sandbox,
                  "results = pd.DataFrame({'model': ['radius', 'zeros'], 'accuracy': [accuracy('radius'), 1.0]})")
    assert check.status is CheckStatus.FAILED
    assert "the best row ('zeros') reports accuracy = 1, but models['zeros'] has accuracy = 0.5" in check.message


@pytest.mark.slow
def test_a_row_naming_no_model_says_so(tmp_path, local_sandbox):
    check = grade(tmp_path, local_sandbox, "results = pd.DataFrame({'model': ['radius', 'forest'], 'accuracy': [0.5, 0.9]})")
    assert check.status is CheckStatus.FAILED
    assert "could not re-evaluate the best row: KeyError" in check.message
    assert "models['forest'] does not exist" in check.message


def test_an_unknown_metric_is_a_spec_error(tmp_path):
    bad = {**CHECK, "params": {**CHECK["params"], "reevaluate": {**CHECK["params"]["reevaluate"], "metric": "auc"}}}
    with pytest.raises(SpecError, match="unknown metric 'auc'"):
        course(tmp_path, [bad])
