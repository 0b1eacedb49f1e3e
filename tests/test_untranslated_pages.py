"""A Russian page carries no English of the grader's own (issue 19): pages rendered in Russian for
results of every kind (partial answers, a crash, a timeout, a notebook that needs review, an
architecture failure, known-break hints, parameter notes) contain no msgid of the catalog outside
the student's code and values. The golden submissions' Russian pages are checked the same way in
test_golden.py. Pure: the results are scored from hand-written observations."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import REPO
from grader import stopped
from grader.breaks import BreakContext, KnownBreaks, built_in_breaks
from grader.checks.base import HostData
from grader.contract import Overrun, to_json
from grader.i18n import language
from grader.observations import Observations
from grader.probe.jsonvalues import encode
from grader.report.feedback import render_feedback
from grader.results import GradeResult
from grader.scoring import score
from grader.stopped import overrun_text
from i18n_support import text_nodes, untranslated
from test_scoring import LABELS, cell, good_probes, observations


def instructors(assignment) -> set[str]:
    """The instructor's own text where it has no Russian: the assignment's title, the test course's
    toy rubric."""
    return {assignment.spec.title} | {check.title for check in assignment.rubric.checks if isinstance(check.title, str)} | {
        text for check in assignment.rubric.checks for text in (check.messages.passed, check.messages.failed)
        if isinstance(text, str)}


def page(result: GradeResult, assignment, *, instructor: bool = False) -> str:
    html = render_feedback(result, assignment.spec, student_view=False, instructor=instructor, lang="ru")
    assert untranslated(html, instructors=instructors(assignment)) == []
    return html


def toy_result(toy, obs: Observations, **kw) -> GradeResult:
    breaks = KnownBreaks(built_in_breaks(), BreakContext(versions={"keras": "3.15.1", "tqdm": "4.70.1"}))
    return score(submission_id="s1", assignment=toy.spec, rubric=toy.rubric, checks=toy.checks(public_only=False),
                 params=toy.params, observations=obs, host=HostData(labels=LABELS), breaks=breaks, **kw)


def test_the_checker_finds_english_where_it_is():
    english = ("<p>not checked: <code>x</code></p><div>Checks</div>"
               "<div>the notebook did not write <code>a.npy</code></div><pre>not checked: in code</pre>")
    assert [hit for _, hit in untranslated(english)] == ["not checked", "Checks", "the notebook did not write"]
    assert text_nodes(english)[-1] == "the notebook did not write"


def test_wrong_answers_failed_cells_hints_and_pending_points(toy):
    cells = [cell(0), {**cell(1), "source_head": "!pip install seaborn"},
             cell(2, status="error", error={"ename": "ImportError", "evalue": "cannot import name 'np_utils' from "
                                                                             "'keras.utils' (/x.py)"}),
             cell(3, defines=["table"], output="nothing useful")]
    probes = good_probes(**{
        "square#0": {"ok": True, "value": 10},
        "table#0": {"ok": True, "exists": True, "type": "numpy.ndarray", "bases": [], "shape": [2, 2],
                    "dtype": "int64", "min": -1.0, "max": 99.0},
        "scaled#0": {"ok": True, "exists": False},
        "saved#0": {"ok": True, "exists": True, "size": 10, "loads": False, "error": "bad magic"},
        "public-accuracy#0": {"ok": True, "value": encode(np.array([0, 1, 0, 0]))},
        "hidden-accuracy#0": {"ok": True, "value": encode(np.array([7, 1, 0, 0]))}})
    html = page(toy_result(toy, observations(cells=cells, probes=probes)), toy, instructor=True)
    assert "Почему и как исправить" in html and "ожидает" in html


OVERRUN = Overrun(budget="total", by="work", seconds=8, cpu_seconds=16, wall_seconds=80, threads=2)


@pytest.mark.parametrize("status, reason", [("timeout", stopped.total_used(8, 2)), ("crashed", stopped.kernel_died(2))],
                         ids=["timeout", "crashed"])
def test_a_run_that_ended_early(toy, status, reason):
    """The banner and the stopped cell say why in Russian: the harness sends both as texts
    (observations' reason_text, the cell's overrun), worded once in grader/stopped.py."""
    stopped_cell = (cell(1, status="timeout", error={"ename": "Timeout", "evalue": overrun_text(OVERRUN).render()})
                    if status == "timeout" else cell(1, status="error", error={"ename": "KernelDied", "evalue": "..."}))
    if status == "timeout":
        stopped_cell["overrun"] = to_json(OVERRUN)
    cells = [cell(0), stopped_cell, cell(2, status="not_run")]
    html = page(toy_result(toy, observations(status=status, reason=reason, cells=cells)), toy)
    assert "не проверено" in html or "не выполнена" in html
    assert reason.render(language("ru")) in html
    if status == "timeout":
        assert "общий бюджет ноутбука" in html and "на 2 ядрах" in html


@pytest.fixture(scope="module")
def mnist():
    from grader.course import load_assignment

    return load_assignment("mnist-mlp", root=REPO)


def mnist_result(mnist, probes: dict, defined: dict) -> GradeResult:
    from grader.checks.namespace import NAMES_PROBE

    names = {"ok": True, "defined": [{"name": name, **entry} for name, entry in defined.items()]}
    obs = Observations.model_validate({
        "schema": 1, "status": "completed",
        "execution": {"cells": [{"index": 0, "status": "ok", "defines": list(defined), "output_text": ""}]},
        "probes": {NAMES_PROBE.id: names, **probes}, "environment": {"device": "cpu"}})
    return score(submission_id="s", assignment=mnist.spec, rubric=mnist.rubric, checks=mnist.checks(public_only=False),
                 params=mnist.params, observations=obs, host=HostData(labels={"public": np.arange(3),
                                                                              "hidden": np.arange(3)}))


def test_a_notebook_that_needs_review(mnist):
    result = mnist_result(mnist, {}, {"vgg": {"kind": "model", "type": "__main__.VGG", "framework": "pytorch"},
                                      "classify": {"kind": "function", "type": "builtins.function"}})
    assert result.status.value == "needs-review"
    html = page(result, mnist)
    assert "нужна ручная проверка" in html and "Проверки" in html


def test_an_architecture_that_fails_every_check(mnist):
    """A model with two hidden layers, sigmoid, no dropout, read as the probe reads it."""
    import json

    import torch.nn as nn

    from architecture_support import describe
    from grader.checks import KINDS

    class MLP(nn.Module):
        def __init__(self, sizes=(32, 16)):
            super().__init__()
            self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, sizes[0]), nn.Sigmoid(), nn.Dropout(0.5),
                                        nn.Linear(sizes[0], sizes[1]), nn.Sigmoid(), nn.Linear(sizes[1], 10))

        def forward(self, x):
            return self.layers(x)

    model = describe(MLP(), shape=(1, 784))
    description = json.loads(model.model_dump_json(by_alias=True))
    description["tamper"] = {**description.get("tamper", {}), "guarded": True}  # as the kernel's preamble says
    probes = {}
    for check in mnist.checks(public_only=False):
        if check.kind == "architecture":
            for request in KINDS[check.kind].probes(check, mnist.params[check.id], mnist.spec):
                probes[request.id] = {"ok": True, "description": description}
    result = mnist_result(mnist, probes, {"model": {"kind": "model", "type": "__main__.MLP", "framework": "pytorch"},
                                          "MLP": {"kind": "class", "type": "builtins.type", "framework": "pytorch"}})
    failed = [c for c in result.checks if c.kind == "architecture" and c.status.value == "failed"]
    assert len(failed) >= 3
    html = page(result, mnist)
    assert "Ваша модель при запуске" in html and "слои linear" in html
