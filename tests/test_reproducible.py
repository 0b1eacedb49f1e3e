"""The same notebook graded twice gets the same grade, bit for bit on CPU: the harness seeds
Python's random, numpy and torch before the first student cell and fixes the hash seed, so a
notebook that never seeds anything still computes the same numbers."""

from __future__ import annotations

import json

import pytest

from conftest import TOY_GOOD, make_notebook

pytestmark = pytest.mark.slow

UNSEEDED = '''
import random
import numpy as np
import torch
print("python", random.random())
print("numpy", np.random.rand(3).tolist())
print("torch", torch.randn(3).tolist())
print("sets", list({"alpha", "beta", "gamma", "delta"}), hash("grader"))
layer = torch.nn.Linear(4, 2)
print("weights", layer.weight.detach().numpy().round(6).tolist())
'''

NOISY_PREDICT = '''
_clean_predict = predict
def predict(inputs):
    guesses = _clean_predict(inputs).copy()
    wrong = np.random.rand(len(guesses)) < 0.3
    guesses[wrong] = 1 - guesses[wrong]
    return guesses
'''


def printed(executed_path) -> list[str]:
    executed = json.loads(executed_path.read_text())
    return ["".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", [])]


def test_regrading_an_unseeded_notebook_gives_identical_results(toy, local_sandbox, tmp_path):
    from grader.overrides import with_overrides
    from grader.pipeline import GradingOptions, grade_notebook

    roomy = with_overrides(toy, {"memory": "8GiB"})  # PyPI's torch maps more than the toy's 2 GiB
    notebook = make_notebook(tmp_path / "unseeded.ipynb", [*TOY_GOOD, UNSEEDED, NOISY_PREDICT])
    first = grade_notebook(roomy, notebook, GradingOptions(sandbox=local_sandbox, out_dir=tmp_path / "first"))
    second = grade_notebook(roomy, notebook, GradingOptions(sandbox=local_sandbox, out_dir=tmp_path / "second"))
    assert first.status.value == "graded"
    outputs = printed(tmp_path / "first" / "executed.ipynb")
    assert "\ntorch [" in "".join(outputs)
    assert outputs == printed(tmp_path / "second" / "executed.ipynb")
    assert [(c.id, c.points, c.observed) for c in first.checks] == [(c.id, c.points, c.observed) for c in second.checks]
    accuracy = {c.id: c.observed for c in first.checks}["hidden-accuracy"]
    assert accuracy is not None and "0.9" not in str(accuracy)  # the noise really moved it off the clean model


def test_check_and_grade_agree_on_every_public_check(grade_toy, toy):
    """A student's self-check (public checks only) and the instructor's grade of the same notebook."""
    cells = [*TOY_GOOD, "raise ValueError('a bug in the last cell')"]
    checked = grade_toy(cells, public_only=True)
    graded = grade_toy(cells)
    public = {c.id for c in toy.rubric.checks if c.visibility == "public"}
    assert public and public < {c.id for c in graded.checks}
    assert {c.id: (c.status, c.points, c.message) for c in checked.checks if c.id in public} == \
        {c.id: (c.status, c.points, c.message) for c in graded.checks if c.id in public}
