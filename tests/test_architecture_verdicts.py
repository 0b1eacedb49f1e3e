"""Architecture verdicts a student can act on, on real models described in-process: a dropout
that runs with training=False is no dropout; the nearest wrong candidate is marked with why it
did not match; a sequence mismatch is an alignment (missing / extra / different); a VGG16 whose
head differs is told so, not reported as a broken backbone; predictions with class ids outside
the task's classes are named in the metric and confusion-matrix checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from architecture_support import describe, judge, write_lab
from conftest import import_keras
from grader.architecture.description import ModelDescription
from grader.checks.base import Evidence, HostData
from grader.checks.metric import Metric, MetricParams
from grader.metrics import foreign_class_ids
from grader.observations import Observations
from grader.plan import plan_probes
from grader.probe.introspect import tamper
from grader.probe.jsonvalues import encode
from grader.report.feedback import render_feedback
from grader.scoring import score
from grader.spec.rubric import Check

# Frameworks are imported by the module fixture, never at collection; torch (and torchvision,
# whose Triton must load before TensorFlow) first, then keras.
torch = torchvision = nn = F = keras = layers = None


@pytest.fixture(scope="module", autouse=True)
def frameworks() -> None:
    global torch, torchvision, nn, F, keras, layers
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    nn, F = torch.nn, torch.nn.functional
    keras = import_keras()
    layers = keras.layers
    tamper.guard_frameworks()  # what the preamble does before student code


DROPOUT_FIRST = {"order": {"layer": {"kind": "dropout", "p": 0.3}, "before": {"kind": "linear"}}}


def mlp(dropout):
    """An MNIST MLP whose input goes through `dropout(module, x)` first."""
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.3)
            self.hidden = nn.Linear(784, 32)
            self.out = nn.Linear(32, 10)

        def forward(self, x):
            return self.out(F.relu(self.hidden(dropout(self, x))))

    return MLP()


def graded_check(model: ModelDescription, expect: list[dict], tmp_path):
    """One architecture check scored from a real model's description, as the host scores it."""
    lab = write_lab(tmp_path, framework=model.framework, checks=[
        {"id": "arch", "title": "Architecture", "kind": "architecture", "points": 1,
         "params": {"input_shape": model.inputs[0]["shape"][1:], "expect": expect}}])
    probe = next(r.id for r in plan_probes(lab.rubric.checks, lab.params, lab.spec).probes if r.op != "names")
    observations = Observations.model_validate({
        "schema": 1, "status": "completed", "execution": {"cells": [{"index": 0, "status": "ok", "defines": ["model"]}]},
        "probes": {probe: {"ok": True, "description": json.loads(model.model_dump_json(by_alias=True))}}})
    result = score(submission_id="s", assignment=lab.spec, rubric=lab.rubric, checks=lab.rubric.checks,
                   params=lab.params, observations=observations)
    return result, lab


# ---- inactive dropout --------------------------------------------------------------------------------

def test_functional_dropout_with_training_false_is_no_dropout(tmp_path):
    model = describe(mlp(lambda self, x: F.dropout(x, 0.3, training=False)))
    dropout = model.steps("dropout")[0]
    assert dropout.settings == {"p": 0.3, "training": False} and model.inactive(dropout)
    verdict = judge(model, DROPOUT_FIRST)[0]
    assert not verdict.passed
    assert verdict.found == ("no dropout layer with p=0.3 runs (nearest: dropout() at step 1: it runs with "
                             "training=False, so it never drops anything)")
    assert not judge(model, {"count": {"kind": "dropout", "min": 1}})[0].passed
    result, lab = graded_check(model, [DROPOUT_FIRST], tmp_path)
    row = result.checks[0].details["architecture"]["rows"][0]
    assert row["marked"] and row["settings"] == "p=0.3, training=False"
    assert row["note"] == "nearest: it runs with training=False, so it never drops anything"
    assert "nearest: it runs with training=False" in render_feedback(result, lab.spec, student_view=True)


def test_dropout_that_follows_the_model_mode_counts():
    active = describe(mlp(lambda self, x: F.dropout(x, 0.3, training=self.training)))
    module = describe(mlp(lambda self, x: self.drop(x)))
    assert module.steps("dropout")[0].settings == {"p": 0.3, "training": True}
    assert judge(active, DROPOUT_FIRST)[0].passed and judge(module, DROPOUT_FIRST)[0].passed
    # described in eval mode every dropout is off: that is the mode, not the student's doing
    assert judge(describe(mlp(lambda self, x: self.drop(x)), mode="eval"), DROPOUT_FIRST)[0].passed


def test_dropout_module_switched_off_inside_forward_is_no_dropout():
    def switched_off(self, x):
        self.drop.eval()  # runs in eval mode even while the model trains
        return self.drop(x)

    model = describe(mlp(switched_off))
    assert model.steps("dropout")[0].settings == {"p": 0.3, "training": False}
    assert not judge(model, DROPOUT_FIRST)[0].passed


def test_keras_dropout_called_with_training_false():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.drop, self.hidden, self.out = layers.Dropout(0.3), layers.Dense(32, activation="relu"), layers.Dense(10)

        def call(self, x):
            return self.out(self.hidden(self.drop(x, training=False)))

    subclassed = Subclassed()
    subclassed(np.zeros((1, 784), "float32"))
    described = describe(subclassed)
    assert described.steps("dropout")[0].settings["training"] is False
    verdict = judge(described, {"order": {"layer": {"kind": "dropout", "p": 0.3}, "before": {"kind": "dense"}}})[0]
    assert not verdict.passed and "never drops anything" in verdict.found
    # A functional model passes its own training flag to every layer: the training=False given
    # while building it is overridden, the dropout fires when the model trains, and it counts.
    inputs = keras.Input((784,))
    functional = keras.Model(inputs, layers.Dense(10)(layers.Dropout(0.3)(inputs, training=False)))
    ones = np.ones((1, 784), "float32")
    assert not np.allclose(functional(ones, training=True), functional(ones, training=False))
    described = describe(functional)
    assert described.steps("dropout")[0].settings["training"] is True
    assert judge(described, {"order": {"layer": {"kind": "dropout", "p": 0.3}, "before": {"kind": "dense"}}})[0].passed


# ---- the nearest wrong candidate -----------------------------------------------------------------------

def test_dropout_with_the_wrong_p_is_marked_as_the_nearest(tmp_path):
    net = mlp(lambda self, x: self.drop(x))
    net.drop.p = 0.5
    model = describe(net)
    verdict = judge(model, DROPOUT_FIRST)[0]
    assert verdict.found == "no dropout layer with p=0.3 runs (nearest: drop at step 1: p is 0.5, expected 0.3)"
    result, _ = graded_check(model, [DROPOUT_FIRST], tmp_path)
    rows = result.checks[0].details["architecture"]["rows"]
    assert [(row["name"], row["marked"], row["note"]) for row in rows[:2]] == [
        ("drop", True, "nearest: p is 0.5, expected 0.3"), ("hidden", False, "")]


def test_layers_not_counted_are_named_with_why():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(1, 8, 3), nn.Conv2d(8, 8, 5), nn.Conv2d(8, 8, 3)])
            self.fc1, self.fc2, self.out = nn.Linear(8 * 20 * 20, 32), nn.Linear(32, 16), nn.Linear(16, 10)

        def forward(self, x):
            for conv in self.convs:
                x = F.relu(conv(x))
            x = torch.sigmoid(self.fc1(x.flatten(1)))
            return self.out(F.relu(self.fc2(x)))

    model = describe(Net(), shape=[1, 28, 28])
    kernels, relus = judge(model, {"count": {"kind": "conv2d", "kernel_size": 3, "equals": 3}},
                           {"count": {"kind": "linear", "hidden": True, "activation": "relu", "equals": 2}})
    assert kernels.found == "2 (convs.0, convs.2); not counted: convs.1 at step 3: kernel_size is 5x5, expected 3"
    assert kernels.notes == {2: "not counted: kernel_size is 5x5, expected 3"}
    assert relus.found == "1 (fc2); not counted: fc1 at step 8: activation is sigmoid, expected relu"
    widths = judge(model, {"units": {"kind": "linear", "hidden": True, "equals": [32, 32]}})[0]
    assert widths.notes == {model.steps("linear")[1].id: "width 16, expected 32"}


# ---- sequences as an alignment ---------------------------------------------------------------------------

RNN_1 = {"sequence": [{"kind": "simple-rnn", "activation": "tanh"}, {"kind": "dense", "units": 32, "activation": "relu"},
                      {"kind": "dense", "units": 1}]}


def rnn(*stack):
    model = keras.Sequential([keras.Input((20, 8)), *stack])
    model(np.zeros((1, 20, 8), "float32"))
    return describe(model)


def test_a_missing_dense_layer_is_named_with_where_it_belongs(tmp_path):
    model = rnn(layers.SimpleRNN(16, name="rnn"), layers.Dense(1, name="out"))
    verdict = judge(model, RNN_1)[0]
    assert not verdict.passed and verdict.expected == "SimpleRNN(tanh) -> Dense(32, relu) -> Dense(1)"
    assert verdict.found == "1 difference: missing: Dense(32, relu) after SimpleRNN(tanh)"
    assert [row["note"] for row in verdict.expected_rows] == ["", "missing", ""]
    assert verdict.marked == ()  # every layer that ran is where it belongs
    result, lab = graded_check(model, [RNN_1], tmp_path)
    assert "found 1 difference: missing: Dense(32, relu) after SimpleRNN(tanh)" in str(result.checks[0].message)
    page = render_feedback(result, lab.spec, student_view=True)
    assert '<div class="detail">missing</div>' in page  # beside the expected Dense(32, relu)


def test_extra_and_different_layers_are_marked_where_they_ran():
    model = rnn(layers.SimpleRNN(16, name="rnn"), layers.Dense(64, activation="relu", name="wide"),
                layers.Dense(32, activation="relu", name="hidden"), layers.Dense(1, name="out"))
    verdict = judge(model, RNN_1)[0]
    assert verdict.found == "1 difference: extra: Dense(64, relu) (wide) after SimpleRNN(tanh)"
    assert verdict.notes == {1: "extra: the expected layers have nothing here"}
    different = judge(rnn(layers.SimpleRNN(16, name="rnn"), layers.Dense(32, name="hidden"), layers.Dense(1)), RNN_1)[0]
    assert different.found == ("1 difference: different: hidden is Dense(32), expected Dense(32, relu) "
                               "(activation is linear, expected relu)")
    assert different.notes == {1: "expected Dense(32, relu): activation is linear, expected relu"}
    assert [row["note"] for row in different.expected_rows] == ["", "differs: step 2 (activation is linear, "
                                                                "expected relu)", ""]
    lstm = judge(rnn(layers.LSTM(16, name="lstm"), layers.Dense(32, activation="relu"), layers.Dense(1)), RNN_1)[0]
    assert lstm.found.startswith("1 difference: different: lstm is LSTM(16, tanh), expected SimpleRNN(tanh) "
                                 "(is a lstm layer, expected simple-rnn)")


# ---- backbone and head ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vgg16():
    return torchvision.models.vgg16(weights=None)


def test_a_replaced_head_is_named_as_the_head_not_the_backbone(vgg16, tmp_path):
    rule = [{"backbone": {"name": "vgg16"}}]
    vgg16.classifier = nn.Sequential(nn.Linear(25088, 256), nn.ReLU(), nn.Linear(256, 10))
    verdict = judge(describe(vgg16, shape=[3, 32, 32]), *rule)[0]
    assert not verdict.passed
    assert verdict.found == ("the VGG16 backbone is intact (13 convolutions), but the classifier head (classifier) "
                             "differs: 2 dense layers (classifier.0 (256), classifier.2 (10)); expected 3: the "
                             "original head (4096, 4096, then the output layer), only its last layer replaced")
    assert set(verdict.notes.values()) == {"head: 2 dense layers, expected 3"}
    vgg16.classifier = nn.Sequential(nn.Linear(25088, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
                                     nn.Sequential(nn.Linear(4096, 256), nn.Linear(256, 10)))
    four = judge(describe(vgg16, shape=[3, 32, 32]), *rule)[0]
    assert "the classifier head (classifier) differs: 4 dense layers" in four.found
    assert "classifier.4.1 (10)" in four.found


def test_a_broken_convolution_stack_is_told_as_an_alignment():
    from grader.architecture.backbones import BACKBONES, structure_differences

    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, "M"]
            blocks, channels = [], 3
            for width in widths:
                if width == "M":
                    blocks.append(nn.MaxPool2d(2))
                else:
                    blocks += [nn.Conv2d(channels, width, 5 if channels == 3 else 3, padding="same"), nn.ReLU()]
                    channels = width
            self.features, self.head = nn.Sequential(*blocks), nn.Linear(512, 10)

        def forward(self, x):
            return self.head(self.features(x).flatten(1))

    model = describe(Broken(), shape=[3, 32, 32])
    assert [str(text) for text in structure_differences(model, BACKBONES["vgg16"])] == [
        "64(5x5) where 64 is expected at the start", "missing 512 after M 512 512"]
    verdict = judge(model, {"backbone": {"name": "vgg16"}})[0]
    assert "the VGG16 backbone differs: 64(5x5) where 64 is expected at the start" in verdict.found


# ---- class ids outside the task's classes -----------------------------------------------------------------

def thousand_class_scores(count: int) -> np.ndarray:
    """Scores of an ImageNet-sized head (1,000 outputs) on `count` inputs."""
    torch.manual_seed(0)
    with torch.no_grad():
        return nn.Linear(64, 1000)(torch.randn(count, 64)).numpy()


LABELS = np.arange(40) % 10


def metric_outcome(params: dict, probes: dict):
    check = Check.model_validate({"id": "m", "title": "t", "kind": "metric", "points": 1, "params": params})
    observations = Observations.model_validate({
        "schema": 1, "status": "completed", "execution": {"cells": []},
        "probes": {f"m#{number}": result for number, result in probes.items()}, "environment": {}})
    return Metric().evaluate(check, MetricParams.model_validate(params),
                             Evidence(observations, assignment=None, host=HostData(labels={"public": LABELS})))


def test_class_ids_outside_the_labels_are_named():
    scores = thousand_class_scores(len(LABELS))
    found = str(foreign_class_ids(LABELS, scores))
    assert found and found.startswith("predictions contain class ids outside the 10 classes 0-9 (e.g. ")
    assert "the model gives 1,000 scores per input" in found
    assert foreign_class_ids(LABELS, scores[:, :10]) is None and foreign_class_ids(LABELS, LABELS) is None
    predicted = {0: {"ok": True, "value": encode(scores)}}
    accuracy = metric_outcome({"metric": "accuracy", "threshold": 0.9, "split": "public", "callable": "predict"},
                              predicted)
    assert accuracy.fraction == 0.0
    assert "your predictions contain class ids outside the 10 classes" in str(accuracy.message)
    confusion = np.eye(10, dtype=int) * 4  # what the student printed for the 10 classes
    reported = metric_outcome({"reported": {"confusion_matrix": "cm"}, "split": "public", "callable": "predict"},
                              {**predicted, 2: {"ok": True, "exists": True, "type": "numpy.ndarray",
                                                "value": encode(confusion)}})
    assert reported.fraction == 0.0
    message = str(reported.message)  # English, as the page renders it by default
    assert message.startswith("your predictions contain class ids outside the 10 classes 0-9 (e.g. ")
    assert "'cm' (confusion_matrix) has shape [10, 10]" in message
