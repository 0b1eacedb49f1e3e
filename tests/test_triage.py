"""Triage (grader/checks/triage.py): a notebook that defines none of the names the checks look up,
or a model of another framework than the lab's, gets the status `needs-review` with one message,
its own exit code and its status in every export; `--object` maps a name for a regrade.

The pure parts are tested on hand-written observations; the slow part grades real notebooks of
mnist-mlp through `grader grade` (one module-scoped run shared by its assertions)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import numpy as np
import pytest

from conftest import REPO, make_notebook, run_grader
from grader.checks.base import HostData
from grader.checks.namespace import NAMES_PROBE, Namespace
from grader.contract import ModelBuild, ModelRequest, ReloadRequest
from grader.errors import ExitCode, UsageError
from grader.exports import canvas, csv_json, gradescope, junit, moodle, prairielearn
from grader.gradebook.records import ClassEntry, Student
from grader.observations import Observations
from grader.overrides import object_names
from grader.plan import plan_probes
from grader.probe.jsonvalues import encode
from grader.results import CheckStatus, GradeResult, Status, batch_exit_code
from grader.scoring import score

LABELS = {"public": np.array([1, 2, 3]), "hidden": np.array([3, 2, 1])}
NOT_DEFINED = "NameError: name '{}' is not defined in the notebook"
TORCH_MODEL = {"kind": "model", "type": "__main__.VGG", "framework": "pytorch"}
KERAS_MODEL = {"kind": "model", "type": "keras.src.models.sequential.Sequential", "framework": "keras"}
PASTED_INPUT = "tensor([0.1234, 0.5678, 0.9012"  # what a probe with the wrong input used to paste


@pytest.fixture(scope="module")
def mnist():
    from grader.course import load_assignment

    return load_assignment("mnist-mlp", root=REPO)


def observations(defined: dict[str, dict], probes: dict | None = None, cells: list | None = None) -> Observations:
    names = {"ok": True, "defined": [{"name": name, **entry} for name, entry in defined.items()]}
    return Observations.model_validate({
        "schema": 1, "status": "completed",
        "execution": {"cells": cells or [{"index": 0, "status": "ok", "defines": list(defined), "output_text": ""}]},
        "probes": {NAMES_PROBE.id: names, **(probes or {})}, "environment": {}})


def missing(*names: str) -> dict:
    """Every probe of mnist-mlp failing as the kernel reports a name that is not there."""
    return {"model-is-module#0": {"ok": True, "exists": False}, "hidden-sizes#0": {"ok": True, "exists": False},
            "test-accuracy-value#0": {"ok": True, "exists": False},
            "accuracy-public#0": {"ok": False, "error": NOT_DEFINED.format("predict")},
            "accuracy-hidden#0": {"ok": False, "error": NOT_DEFINED.format("predict")},
            "model-saved#0": {"ok": True, "exists": False}}


def grade(mnist, obs: Observations, renamed: dict | None = None) -> GradeResult:
    return score(submission_id="s", assignment=mnist.spec, rubric=mnist.rubric, checks=mnist.checks(public_only=False),
                 params=mnist.params, observations=obs, host=HostData(labels=LABELS), renamed=renamed)


def by_id(result: GradeResult) -> dict:
    return {check.id: check for check in result.checks}


def all_text(result: GradeResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False)


# --- the notebook with the model called `vgg` and no `predict` ---------------------------------------

VGG_NAMES = {"vgg": TORCH_MODEL, "classify": {"kind": "function", "type": "builtins.function"},
             "VGG": {"kind": "class", "type": "__main__.VGG", "framework": "pytorch"},
             "acc": {"kind": "value", "type": "builtins.float"}}


def test_a_notebook_with_none_of_the_names_needs_review_with_one_message(mnist):
    result = grade(mnist, observations(VGG_NAMES, missing()))
    assert result.status is Status.NEEDS_REVIEW and result.exit_code is ExitCode.NEEDS_REVIEW
    message = result.message or ""
    assert message.startswith("needs review: the notebook defines none of the names")
    for expected in ("`predict` (a function)", "`model` (a model)", "`MLP` (a class)", "`HIDDEN_SIZES`",
                     "`test_accuracy`"):
        assert expected in message
    assert message.index("`predict`") < message.index("`model`")  # the assignment's objects: come first
    assert "for `predict`: `classify` (a function)" in message
    assert "for `model`: `vgg` (a PyTorch model (VGG))" in message
    assert "for `MLP`: `VGG` (a PyTorch model class)" in message
    assert "NameError" not in all_text(result) and "is not defined in the notebook" not in all_text(result)
    checks = by_id(result)
    for check_id in ("model-is-module", "hidden-sizes", "three-hidden-layers", "widths-from-constructor",
                     "accuracy-public", "accuracy-hidden", "test-accuracy-value"):
        assert checks[check_id].status is CheckStatus.FAILED
        assert checks[check_id].message.startswith("not checked: the notebook defines none of the names")
    assert checks["runs"].status is CheckStatus.PASSED  # checks that look up no name are judged as usual


def test_a_notebook_with_some_of_the_names_is_graded_and_says_closest_once(mnist):
    defined = {**VGG_NAMES, "model": TORCH_MODEL}
    probes = {**missing(), "model-is-module#0": {"ok": True, "exists": True, "type": "__main__.VGG",
                                                 "bases": ["torch.nn.modules.module.Module"]}}
    result = grade(mnist, observations(defined, probes))
    assert result.status is Status.GRADED
    public = by_id(result)["accuracy-public"].message
    assert public == "'predict' is not defined in the notebook; closest: `classify` (a function)"
    hidden_sizes = by_id(result)["hidden-sizes"]  # the grader's words: the rubric's are for answers it looked at
    assert hidden_sizes.message.startswith("'HIDDEN_SIZES' is not defined in the notebook")
    assert "NameError" not in all_text(result)


def test_an_unfinished_notebook_with_nothing_to_map_is_graded_as_usual(mnist):
    result = grade(mnist, observations({"x": {"kind": "value", "type": "builtins.int"}}, missing()))
    assert result.status is Status.GRADED and result.exit_code is ExitCode.BELOW_PASS_MARK
    assert by_id(result)["accuracy-public"].message == "'predict' is not defined in the notebook"


def test_a_name_defined_in_a_failing_cell_is_no_triage_case(mnist):
    cells = [{"index": 0, "status": "ok", "defines": ["vgg", "classify"], "output_text": ""},
             {"index": 1, "status": "error", "defines": ["predict"], "output_text": "",
              "error": {"ename": "RuntimeError", "evalue": "shapes do not match", "traceback": ""}}]
    result = grade(mnist, observations(VGG_NAMES, missing(), cells))
    assert result.status is Status.GRADED
    assert by_id(result)["accuracy-public"].message == ("not run because cell 2 stopped with RuntimeError: "
                                                        "shapes do not match")


def test_without_the_names_probe_nothing_is_triaged(mnist):
    obs = observations(VGG_NAMES, missing())
    obs = obs.model_copy(update={"probes": {k: v for k, v in obs.probes.items() if k != NAMES_PROBE.id}})
    result = grade(mnist, obs)
    assert result.status is Status.GRADED
    assert "is not defined" in by_id(result)["accuracy-public"].message


def test_the_names_probe_says_what_each_name_holds():
    import functools

    import torch
    from torch import nn

    from grader.contract import NamesRequest
    from grader.probe.names import defined_names

    class VGG(nn.Module):
        pass

    class Hostile:
        @property
        def __class__(self):
            raise RuntimeError("no")

    namespace = {"vgg": VGG(), "VGG": VGG, "loss_fn": nn.CrossEntropyLoss(), "stack": nn.Sequential(),
                 "classify": lambda x: x, "partial": functools.partial(print), "images": np.zeros(3),
                 "t": torch.zeros(1), "EPOCHS": 2, "np": np, "_hidden": 1, "In": [], "odd": Hostile()}
    found = {d.name: (d.kind, d.framework) for d in defined_names(NamesRequest(id="n"), namespace).defined}
    assert found == {"vgg": ("model", "pytorch"), "VGG": ("class", "pytorch"), "loss_fn": ("layer", "pytorch"),
                     "stack": ("model", "pytorch"), "classify": ("function", None), "partial": ("function", None),
                     "images": ("array", None), "t": ("tensor", "pytorch"), "EPOCHS": ("value", None),
                     "odd": ("object", None)}


def test_the_host_keeps_only_well_formed_names(mnist):
    obs = observations({"ok_name": {"kind": "function"}, "not a name": {"kind": "function"},
                        "weird": {"kind": "spaceship"}})
    assert list(Namespace.of(obs).defined) == ["ok_name"]


# --- a Keras model in a PyTorch lab --------------------------------------------------------------------

def test_a_keras_model_in_a_pytorch_lab_gets_one_framework_message(mnist):
    defined = {"model": KERAS_MODEL, "predict": {"kind": "function", "type": "builtins.function"}}
    wrong_input = {"ok": True, "description": {"framework": "keras", "trace": {"ok": False,
                                                                               "error": PASTED_INPUT}}}
    probes = {**missing(), "accuracy-public#0": {"ok": True, "value": encode(np.array([1, 2, 3]))},
              "accuracy-hidden#0": {"ok": True, "value": encode(np.array([3, 2, 1]))},
              "model:162327bde9bb": wrong_input}
    result = grade(mnist, observations(defined, probes))
    assert result.status is Status.NEEDS_REVIEW
    assert result.message == ("this lab grades a PyTorch model; the notebook's `model` is a Keras model (Sequential). "
                              "The checks that probe it were not run, so this grade needs review by hand")
    checks = by_id(result)
    for check_id in ("three-hidden-layers", "dropout-before-first-hidden", "loss-not-bce"):
        assert checks[check_id].message == "not checked: `model` is not a PyTorch model (this grade needs review by hand)"
    assert checks["accuracy-public"].status is CheckStatus.PASSED  # predict still judged
    assert PASTED_INPUT not in all_text(result)


# --- exit codes, the plan, --object --------------------------------------------------------------------

def test_needs_review_ranks_between_below_and_ungradable(mnist):
    review = grade(mnist, observations(VGG_NAMES, missing()))
    below = replace(review, status=Status.GRADED)
    ungradable = replace(review, status=Status.UNGRADABLE)
    assert batch_exit_code([below, review]) is ExitCode.NEEDS_REVIEW
    assert batch_exit_code([review, ungradable]) is ExitCode.UNGRADABLE
    assert batch_exit_code([review, replace(review, status=Status.ERROR)]) is ExitCode.INFRASTRUCTURE
    assert int(ExitCode.NEEDS_REVIEW) == 5


def test_a_rename_keeps_the_probe_id_and_reaches_nested_names():
    built = ModelRequest(id="model:1", build=ModelBuild(class_name="MLP"), name=None)
    assert built.renamed({"MLP": "Net"}).build == ModelBuild(class_name="Net")
    assert built.renamed({"MLP": "Net"}).id == "model:1" and built.renamed({}) is built
    reload = ReloadRequest(id="r", path="m.pt", model="loaded", original="model", callable="predict", inputs="x")
    assert reload.names() == {"loaded": "model", "model": "model", "predict": "callable"}
    assert reload.renamed({"predict": "classify"}).callable == "classify"


def test_the_plan_asks_the_names_first_and_renames(mnist):
    plan = plan_probes(mnist.checks(public_only=False), mnist.params, mnist.spec, {"predict": "classify"})
    assert plan.probes[0] == NAMES_PROBE
    predicts = [p for p in plan.probes if p.op == "predict"]
    assert [p.callable for p in predicts] == ["classify", "classify"]
    assert [p.id for p in predicts] == ["accuracy-public#0", "accuracy-hidden#0"]


def test_object_options_map_roles_and_looked_up_names(mnist):
    assert object_names(mnist, ("predict=classify", "model=vgg")) == {"predict": "classify", "model": "vgg"}
    with pytest.raises(UsageError, match="look up no name 'nothing'; they look up: .*predict"):
        object_names(mnist, ("nothing=x",))
    with pytest.raises(UsageError, match="not a Python name"):
        object_names(mnist, ("predict=1x",))
    with pytest.raises(UsageError, match="--object 'predict': use KEY=VALUE"):
        object_names(mnist, ("predict",))


# --- every export says needs-review ----------------------------------------------------------------------

def test_every_export_carries_the_status(mnist):
    result = grade(mnist, observations(VGG_NAMES, missing()))
    entry = ClassEntry(student=Student("42", "Vera Vgg", login="vvgg"), submission_id="vvgg", result=result)
    plain = csv_json.render_csv([entry], mnist).text.splitlines()
    assert plain[0].split(",")[8] == "status" and plain[1].split(",")[8] == "needs-review"
    assert json.loads(csv_json.render_json([entry], mnist).text)["students"][0]["status"] == "needs-review"
    for lms in (canvas.render([entry], mnist), moodle.render([entry], mnist)):  # left out until reviewed:
        assert "Vera Vgg" not in lms.text and "Vera Vgg (42)" in lms.warnings[-1]  # a blank would clear a grade
    assert "needs-review, provisional: needs review by hand" in gradescope.results(result)["output"]
    learn = prairielearn.results(result)
    assert learn["gradable"] is False and learn["format_errors"] == [result.message]
    xml = junit.render([entry], mnist).text
    assert 'type="needs-review"' in xml and 'name="status" value="needs-review"' in xml


def test_the_feedback_and_class_report_show_it(mnist, tmp_path):
    from grader.report.classreport import render_class_report
    from grader.report.feedback import render_feedback

    result = grade(mnist, observations(VGG_NAMES, missing()))
    page = render_feedback(result, mnist.spec, student_view=False)
    assert 'id="needs-review"' in page and "needs review" in page
    report = render_class_report([ClassEntry(student=Student("42", "Vera"), submission_id="v", result=result)], mnist)
    assert 'id="needs-review-count"' in report and 'class="needs-review"' in report


def test_the_gradebook_stores_the_status_without_a_migration(mnist, tmp_path):
    from grader.gradebook.store import Gradebook

    result = grade(mnist, observations(VGG_NAMES, missing()))
    with Gradebook.open(tmp_path / "book.sqlite") as book:
        book.add_submission("mnist-mlp", Student("42", "Vera"), "v", "0" * 64, b"{}")
        stored = book.latest_submissions("mnist-mlp")[0]
        book.record_result(stored.id, result, observations=None, probes=[])
        assert book.stored_result(stored.id).result.status is Status.NEEDS_REVIEW
    with sqlite3.connect(tmp_path / "book.sqlite") as db:  # the SQL readers' derived column
        assert db.execute("SELECT status FROM results").fetchone() == ("needs-review",)


# --- real notebooks through `grader grade` -----------------------------------------------------------------

TORCH_SETUP = ("EPOCHS = 1\nimport os\nimport numpy as np\nimport torch\nfrom torch import nn\n"
               "with np.load(os.path.expanduser('~/.keras/datasets/mnist.npz')) as d:\n"
               "    x, y = d['x_train'][:2000], d['y_train'][:2000]")
VGG_NOTEBOOK = [  # the model called `vgg`, no `predict`: written from a tutorial, not the starter
    TORCH_SETUP,
    "class VGG(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.net = nn.Sequential(nn.Dropout(0.3), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),\n"
    "                                 nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))\n"
    "    def forward(self, x):\n        return self.net(x)\n\n"
    "vgg = VGG()\nloss_fn = nn.CrossEntropyLoss()\nopt = torch.optim.Adam(vgg.parameters(), 1e-2)\n"
    "inputs = torch.as_tensor(x, dtype=torch.float32).reshape(len(x), -1) / 255\n"
    "for _ in range(EPOCHS * 30):\n    opt.zero_grad()\n    loss = loss_fn(vgg(inputs), torch.as_tensor(y))\n"
    "    loss.backward()\n    opt.step()",
    "def classify(images):\n    vgg.eval()\n    with torch.no_grad():\n"
    "        flat = torch.as_tensor(np.asarray(images), dtype=torch.float32).reshape(len(images), -1) / 255\n"
    "        return vgg(flat).argmax(1).numpy()",
]
KERAS_NOTEBOOK = [  # a Keras model in the PyTorch lab
    "EPOCHS = 1\nimport numpy as np\nimport keras",
    "model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation='relu'),\n"
    "                          keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile('adam', 'sparse_categorical_crossentropy')",
    "def predict(images):\n    flat = np.asarray(images, dtype='float32').reshape(len(images), -1) / 255\n"
    "    return model.predict(flat, verbose=0).argmax(1)",
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, dataset_cache):
    """One class run (the vgg and the Keras notebook), then the vgg notebook regraded with --object."""
    folder = tmp_path_factory.mktemp("triage")
    submissions = folder / "in"
    submissions.mkdir()
    make_notebook(submissions / "vera.ipynb", VGG_NOTEBOOK)
    make_notebook(submissions / "kim.ipynb", KERAS_NOTEBOOK)
    common = ("--out", str(folder / "out"), "--gradebook", str(folder / "book.sqlite"), "--sandbox", "unisolated",
              "--workers", "2", "--json")
    first = run_grader("grade", "mnist-mlp", str(submissions), *common)
    first_results = {name: json.loads((folder / "out" / name / "grade.json").read_text()) for name in ("vera", "kim")}
    export = run_grader("export", "csv", "--gradebook", str(folder / "book.sqlite"), "--assignment", "mnist-mlp",
                        "--out", str(folder / "grades.csv"))
    again = run_grader("grade", "mnist-mlp", str(submissions / "vera.ipynb"), *common,
                       "--object", "predict=classify", "--object", "model=vgg", "--object", "MLP=VGG")
    return {"first": first, "results": first_results, "export": export, "csv": folder / "grades.csv",
            "again": again, "regraded": json.loads((folder / "out" / "vera" / "grade.json").read_text())}


@pytest.mark.slow
def test_grade_exits_5_and_says_which_need_review(graded):
    first = graded["first"]
    assert first.returncode == 5, first.stderr
    summary = json.loads(first.stdout)
    assert summary["needs_review"] == ["kim", "vera"] and summary["statuses"] == {"needs-review": 2}
    assert "needs review by hand: kim, vera" in first.stderr


@pytest.mark.slow
def test_the_vgg_notebook_gets_one_message_naming_predict_and_its_closest(graded):
    vera = graded["results"]["vera"]
    assert vera["status"] == "needs-review"
    assert "`predict` (a function)" in vera["message"] and "for `predict`: `classify` (a function)" in vera["message"]
    assert "for `model`: `vgg` (a PyTorch model (VGG))" in vera["message"]
    assert not any("NameError" in check["message"] for check in vera["checks"])


@pytest.mark.slow
def test_the_keras_model_gets_one_framework_message(graded):
    kim = graded["results"]["kim"]
    assert kim["status"] == "needs-review"
    assert kim["message"].startswith("this lab grades a PyTorch model; the notebook's `model` is a Keras model "
                                     "(Sequential)")
    layers = next(c for c in kim["checks"] if c["id"] == "three-hidden-layers")
    assert layers["message"] == "not checked: `model` is not a PyTorch model (this grade needs review by hand)"
    assert "never ran" not in json.dumps(kim)


@pytest.mark.slow
def test_the_export_carries_needs_review(graded):
    assert graded["export"].returncode == 0, graded["export"].stderr
    text = graded["csv"].read_text()
    assert text.count(",needs-review,") == 2


@pytest.mark.slow
def test_the_override_makes_the_vgg_notebook_gradable_and_explains_itself(graded):
    again, regraded = graded["again"], graded["regraded"]
    assert again.returncode in (0, 1), again.stderr
    assert regraded["status"] == "graded"
    assert regraded["objects"] == {"predict": "classify", "model": "vgg", "MLP": "VGG"}
    assert "instructor's override (--object): the checks read `predict` as `classify`" in " ".join(regraded["notes"])
    checks = {check["id"]: check for check in regraded["checks"]}
    assert checks["three-hidden-layers"]["status"] == "passed"
    assert checks["accuracy-public"]["message"].startswith("accuracy = ")
