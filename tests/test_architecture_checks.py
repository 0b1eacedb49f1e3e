"""Architecture checks are pure: hand-written model descriptions in, verdicts and messages out.
Also the rubric side (validated params with located errors), scoring, shared probes and the
architecture table on the feedback page. No frameworks, no kernels."""

from __future__ import annotations

import pytest

from architecture_support import judge, write_lab
from grader.architecture.description import ModelDescription
from grader.errors import SpecError
from grader.observations import Observations
from grader.plan import plan_probes
from grader.report.feedback import render_feedback
from grader.results import CheckStatus
from grader.scoring import score


def step(kind, path="", *, inputs=None, params=None, op=None, source="module", call=1, registered=True, **settings):
    return {"kind": kind, "path": path, "op": op or kind, "source": source, "inputs": inputs, "params": params,
            "settings": settings, "call": call, "registered": registered}


def weights(total, trainable=None):
    return {"total": total, "trainable": total if trainable is None else trainable}


def described(*steps, framework="pytorch", training=None, modules=(), tamper=None, trace=None, total=None):
    """A description as the probe would send it; each step reads the previous one by default."""
    layers = []
    for position, raw in enumerate(steps):
        layers.append({**raw, "id": position, "inputs": raw["inputs"] if raw["inputs"] is not None else [position - 1],
                       "output_shape": [1, raw["settings"].get("units", 4)]})
    counted = sum(s["params"]["total"] for s in layers if s["params"])
    return {"schema": 1, "framework": framework, "class": "__main__.Net", "mode": "train",
            "inputs": [{"shape": [1, 784]}], "trace": trace or {"ok": True}, "layers": layers,
            "outputs": [len(layers) - 1], "modules": list(modules), "params": weights(total or counted),
            "training": training, "tamper": tamper or {"guarded": True, "replaced": []}}


def model(*steps, **options) -> ModelDescription:
    return ModelDescription.model_validate(described(*steps, **options))


MLP = (step("dropout", "layers.0", p=0.3), step("linear", "layers.1", units=256, params=weights(200960)),
       step("activation", "layers.2", activation="relu"), step("linear", "layers.3", units=128, params=weights(32896)),
       step("activation", "layers.4", activation="relu"), step("linear", "layers.5", units=64, params=weights(8256)),
       step("activation", "layers.6", activation="relu"), step("linear", "layers.7", units=10, params=weights(650)))


# ---- layers: count, widths, output --------------------------------------------------------------

def test_count_of_hidden_layers_excludes_the_output_layer():
    three, two = model(*MLP), model(*MLP[:3], *MLP[5:])
    assert judge(three, {"count": {"kind": "dense", "hidden": True, "equals": 3}})[0].passed
    verdict = judge(two, {"count": {"kind": "linear", "hidden": True, "equals": 3}})[0]
    assert not verdict.passed
    assert (verdict.expected, verdict.found) == ("exactly 3 hidden linear layers", "2 (layers.1, layers.5)")
    assert judge(two, {"count": {"kind": "linear", "min": 2, "max": 4}})[0].passed


def test_widths_follow_the_constructor_list():
    verdict = judge(model(*MLP), {"units": {"kind": "linear", "hidden": True, "equals": [256, 64, 64]}})[0]
    assert not verdict.passed and verdict.found == "[256, 128, 64]" and verdict.marked == (3,)


def test_output_units():
    verdict = judge(model(*MLP[:-1], step("linear", "head", units=1, params=weights(65))), {"output_units": 10})[0]
    assert not verdict.passed and verdict.found == "linear head with 1 units"


# ---- order and sequence ----------------------------------------------------------------------------

DROPOUT_FIRST = {"order": {"layer": {"kind": "dropout", "p": 0.3}, "before": {"kind": "linear"}}}


def test_dropout_placement_before_the_first_linear_layer():
    assert judge(model(*MLP), DROPOUT_FIRST)[0].passed
    late = model(MLP[1], MLP[2], step("dropout", "drop", p=0.3), *MLP[3:])
    verdict = judge(late, DROPOUT_FIRST)[0]
    assert not verdict.passed and verdict.found == "drop at step 3; layers.1 at step 1" and verdict.marked == (2, 0)
    wrong_p = judge(model(step("dropout", "drop", p=0.5), *MLP[1:]), DROPOUT_FIRST)[0]
    assert wrong_p.found == "no dropout layer with p=0.3 runs (nearest: drop at step 1: p is 0.5, expected 0.3)"
    assert wrong_p.marked == (0,) and wrong_p.notes == {0: "nearest: p is 0.5, expected 0.3"}
    assert judge(late, {"order": {"layer": {"kind": "dropout"}, "after": {"kind": "linear", "units": 256}}})[0].passed


def test_functional_dropout_matches_like_a_layer():
    functional = model(step("dropout", source="function", op="dropout", p=0.30000001192092896, training=True), *MLP[1:])
    assert judge(functional, DROPOUT_FIRST)[0].passed


RNN_1 = {"sequence": [{"kind": "simple-rnn", "activation": "tanh"}, {"kind": "dense", "units": 32, "activation": "relu"},
                      {"kind": "dense", "units": 1}]}


def test_sequence_matches_the_named_rnn_architecture():
    keras_style = model(step("simple-rnn", "simple_rnn", units=16, activation="tanh", params=weights(400)),
                        step("linear", "dense", units=32, activation="relu", params=weights(544)),
                        step("linear", "dense_1", units=1, activation="linear", params=weights(33)), framework="keras")
    assert judge(keras_style, RNN_1)[0].passed
    extra = model(step("simple-rnn", "rnn", units=16, activation="relu", params=weights(400)),
                  step("linear", "fc1", units=64, params=weights(1088)), step("activation", "act", activation="relu"),
                  step("linear", "fc2", units=1, params=weights(65)))
    verdict = judge(extra, RNN_1)[0]
    assert not verdict.passed and verdict.marked == (0, 1)
    assert verdict.expected == "RNN(tanh) -> Linear(32, relu) -> Linear(1)"
    assert verdict.found == ("2 differences: different: rnn is simple-rnn(16, relu), expected RNN(tanh) (activation is "
                             "relu, expected tanh); different: fc1 is linear(64, relu), expected Linear(32, relu) "
                             "(units is 64, expected 32)")
    assert verdict.expected_rows[1] == {"kind": "linear", "settings": "units=32, activation=relu",
                                        "note": "differs: step 2 (units is 64, expected 32)"}


# ---- activations -----------------------------------------------------------------------------------

def test_activations_fused_separate_and_through_batchnorm():
    net = model(step("linear", "fc", units=8, params=weights(40)), step("batchnorm", "bn"),
                step("activation", "act", op="ReLU", activation="relu"),
                step("linear", "out", units=1, activation="sigmoid", params=weights(9)), framework="keras")
    assert net.activation_after(net.layers[0]) == "relu" and net.activations_used() == {"relu", "sigmoid"}
    verdict = judge(net, {"activations": {"used": ["ReLU"], "not_used": ["Sigmoid"]}})[0]
    assert not verdict.passed and verdict.found == "activations that run: relu, sigmoid" and verdict.marked == (3,)


# ---- training setup --------------------------------------------------------------------------------

def torch_training(*losses, optimizers=()):
    return {"optimizers": list(optimizers), "losses": [{"name": name, "class": cls} for name, cls in losses]}


@pytest.mark.parametrize("training, passed", [
    (torch_training(("loss_fn", "CrossEntropyLoss")), True),
    (torch_training(("criterion", "BCELoss")), False),
    (torch_training(("criterion", "BCEWithLogitsLoss")), False),
    ({"compiled": True, "losses": [{"name": "model.loss", "class": "binary_crossentropy"}]}, False),
    ({"compiled": True, "losses": [{"name": "model.loss", "class": "LossFunctionWrapper",
                                    "function": "sparse_categorical_crossentropy"}]}, True),
])
def test_loss_names_mean_the_same_in_every_framework(training, passed):
    assert judge(model(*MLP, training=training), {"loss": {"none_of": ["bce", "bce_with_logits"]}})[0].passed is passed


def test_a_loss_used_only_as_a_function_is_explained():
    verdict = judge(model(*MLP, training=torch_training()), {"loss": {"any_of": ["cross_entropy"]}})[0]
    assert not verdict.passed and "loss_fn = nn.CrossEntropyLoss()" in verdict.found


def test_optimizer_of_the_model_and_its_learning_rate():
    gan = torch_training(optimizers=[{"name": "g_opt", "class": "RMSprop", "lr": 0.01, "covers": 0.0},
                                     {"name": "d_opt", "class": "Adam", "lr": 0.0002, "covers": 1.0}])
    net = model(*MLP, training=gan)
    assert judge(net, {"optimizer": {"any_of": ["adam"], "lr": {"max": 0.001}}})[0].passed
    verdict = judge(net, {"optimizer": {"none_of": ["Adam"]}})[0]
    assert not verdict.passed and verdict.found == "Adam (d_opt, lr=0.0002)"


# ---- parameters and freezing -----------------------------------------------------------------------

def test_parameter_count_range():
    verdict = judge(model(*MLP), {"parameters": {"total": {"max": 100000}}})[0]
    assert not verdict.passed and verdict.found == "242,762 parameters, 242,762 trainable"
    assert verdict.expected == "at most 100,000 parameters"


TRANSFER = (step("conv2d", "features.0", filters=64, params=weights(1792, 0)),
            step("linear", "classifier.0", units=4096, params=weights(4096 * 513, 0)),
            step("linear", "classifier.6", units=10, params=weights(40970)))


def test_frozen_all_but_last():
    assert judge(model(*TRANSFER), {"frozen": "all_but_last"})[0].passed
    leaky = model(TRANSFER[0], step("linear", "classifier.0", units=4096, params=weights(100, 50)), TRANSFER[2])
    verdict = judge(leaky, {"frozen": "all_but_last"})[0]
    assert verdict.found == "1 layer trainable: classifier.0" and verdict.marked == (1,)
    assert not judge(model(*TRANSFER), {"frozen": "none"})[0].passed
    assert not judge(model(*TRANSFER), {"frozen": "all"})[0].passed


# ---- structure -------------------------------------------------------------------------------------

def test_residual_and_concatenation_skips_but_not_two_inputs_joined():
    residual = model(step("conv2d", "conv1", filters=8), step("activation", "relu", activation="relu"),
                     step("conv2d", "conv2", filters=8), step("add", op="add", source="function", inputs=[-1, 2]))
    two_inputs = model(step("linear", "a", units=4, inputs=[-1]), step("linear", "b", units=4, inputs=[-2]),
                       step("concat", op="cat", source="function", inputs=[0, 1]))
    assert judge(residual, {"skip_connections": {"kind": "add", "equals": 1}})[0].passed
    verdict = judge(two_inputs, {"skip_connections": {"min": 1}})[0]
    assert not verdict.passed and (verdict.expected, verdict.found) == ("at least 1 skip connections", "0")


def vgg_steps(pools=True):
    steps = []
    for filters, repeat in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        steps += [step("conv2d", f"c{len(steps)}", filters=filters, kernel_size=[3, 3], params=weights(9, 0))] * repeat
        steps += [step("pooling", f"p{len(steps)}", type="max")] if pools else []
    return [*steps, step("linear", "fc1", units=4096, params=weights(9, 0)),
            step("linear", "fc2", units=4096, params=weights(9, 0)), step("linear", "fc3", units=10, params=weights(9))]


def test_vgg16_backbone_by_structure():
    verdicts = judge(model(*vgg_steps()), {"backbone": {"name": "VGG16"}}, {"backbone": {"name": "vgg16", "fully_connected": 2}})
    assert [v.passed for v in verdicts] == [True, False]
    assert verdicts[0].found == "VGG16 found: 13 convolutions, 3 dense layers after them"
    no_pools = judge(model(*vgg_steps(pools=False)), {"backbone": {"name": "vgg16"}})[0]
    assert not no_pools.passed and no_pools.found.startswith("convolutions (M = max-pool): 64 64 128 128 256")


def test_unused_and_unregistered_layers():
    net = model(*MLP[1:], step("linear", "<unregistered Linear 1>", units=3, registered=False),
                modules=[{"path": "dropout", "kind": "dropout", "calls": 0, "registered": True},
                         {"path": "<unregistered Linear 1>", "kind": "linear", "calls": 1, "registered": False}])
    runs, registered = judge(net, {"all_layers_run": True}, {"all_layers_registered": True})
    assert runs.found == "never run: dropout"
    assert registered.found.startswith("not registered: <unregistered Linear 1>") and registered.marked == (7,)


# ---- rubric validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("expect, message", [
    ([{"count": {"kind": "dense", "equals": 3}, "output_units": 10}], "exactly one key (got count, output_units)"),
    ([{"count": {"kind": "convolution", "equals": 3}}], "unknown layer kind 'convolution'"),
    ([{"count": {"kind": "linear", "equal": 3}}], "checks[0].params.expect[0].count.equal: unknown key"),
    ([{"count": {"kind": "linear"}}], "give equals, min or max"),
    ([{"backbone": {"name": "resnet"}}], "unknown backbone 'resnet'; known: vgg11, vgg13, vgg16, vgg19"),
    ([{"order": {"layer": {"kind": "dropout"}}}], "give exactly one of before, after"),
    ([{"frozen": "most"}], "checks[0].params.expect[0].frozen: Input should be 'all_but_last', 'all' or 'none'"),
])
def test_rubric_mistakes_are_reported_with_their_location(tmp_path, expect, message):
    checks = [{"id": "arch", "title": "arch", "kind": "architecture", "points": 1, "params": {"expect": expect}}]
    with pytest.raises(SpecError) as error:
        write_lab(tmp_path, framework="pytorch", checks=checks)
    assert message in str(error.value) and "lab.yaml:" in str(error.value)


# ---- scoring, shared probes, feedback --------------------------------------------------------------

CHECKS = [
    {"id": "layers", "title": "Three hidden layers", "kind": "architecture", "points": 2,
     "params": {"input_shape": [784], "expect": [{"count": {"kind": "linear", "hidden": True, "equals": 3}}, DROPOUT_FIRST]}},
    {"id": "loss", "title": "Loss", "kind": "architecture", "points": 1,
     "params": {"input_shape": [784], "expect": [{"loss": {"none_of": ["bce"]}}]}},
    {"id": "widths", "title": "Widths", "kind": "architecture", "points": 1, "visibility": "hidden",
     "params": {"build": {"class": "MLP", "args": [[64, 32, 16]]}, "input_shape": [784], "partial": True,
                "expect": [{"units": {"kind": "linear", "hidden": True, "equals": [64, 32, 16]}}, {"output_units": 10}]}},
]


@pytest.fixture
def lab(tmp_path):
    return write_lab(tmp_path, framework="pytorch", checks=CHECKS)


def graded(lab, probes):
    observations = Observations.model_validate({"schema": 1, "status": "completed", "execution": {"cells": [
        {"index": 0, "status": "ok", "defines": ["MLP", "model"]}]}, "probes": probes})
    return score(submission_id="s", assignment=lab.spec, rubric=lab.rubric, checks=lab.rubric.checks,
                 params=lab.params, observations=observations)


def probe_ids(lab):
    """The model probes the plan asks (the names probe, which leads every plan, left out)."""
    return [request.id for request in plan_probes(lab.rubric.checks, lab.params, lab.spec).probes
            if request.op != "names"]


def test_checks_on_the_same_model_share_one_probe(lab):
    ids = probe_ids(lab)
    assert len(ids) == 2 and all(i.startswith("model:") for i in ids)  # layers+loss share, widths builds anew


def test_scoring_from_descriptions(lab):
    same, built = probe_ids(lab)
    result = graded(lab, {same: {"ok": True, "description": described(*MLP, training=torch_training(("l", "NLLLoss")))},
                          built: {"ok": True, "description": described(*MLP)}})  # ignored the widths it was given
    checks = {c.id: c for c in result.checks}
    assert checks["layers"].status is CheckStatus.PASSED and checks["loss"].status is CheckStatus.PASSED
    assert checks["widths"].status is CheckStatus.PARTIAL and checks["widths"].points == 0.5
    assert checks["widths"].message == "expected hidden linear layers of widths [64, 32, 16], found [256, 128, 64]"
    table = checks["layers"].details["architecture"]
    assert table["rows"][1] == {"number": 2, "name": "layers.1", "kind": "linear", "settings": "units=256",
                                "output": "N x 256", "params": "200,960", "marked": False, "note": ""}
    assert "architecture" not in checks["loss"].details  # a check about the loss shows no layer table


def test_tampering_trace_failures_and_bad_descriptions_fail_with_a_reason(lab):
    same, built = probe_ids(lab)
    tampered = described(*MLP, tamper={"guarded": True, "replaced": ["torch.nn.functional.dropout"]})
    broken = described(MLP[0], trace={"ok": False, "error": "RuntimeError: mat1 and mat2 shapes cannot be multiplied"})
    result = graded(lab, {same: {"ok": True, "description": tampered},
                          built: {"ok": True, "description": {**broken, "layers": [{"id": 5, "inputs": [9]}]}}})
    checks = {c.id: c for c in result.checks}
    assert checks["layers"].message.startswith("architecture not checked: the notebook replaced torch.nn.functional.dropout")
    assert checks["widths"].message.startswith("the model description that came back was malformed")
    result = graded(lab, {same: {"ok": True, "description": broken}, built: {"ok": False, "error": "NameError: name 'MLP' is not defined in the notebook"}})
    checks = {c.id: c for c in result.checks}
    assert checks["layers"].message == (
        "the model could not run on an input of shape [1, 784] (float32) (RuntimeError: mat1 and mat2 shapes cannot be "
        "multiplied), so these were not checked: exactly 3 hidden linear layers; a dropout layer with p=0.3 before the "
        "first linear layer")
    assert checks["layers"].observed is None  # the error is said once, in the message
    assert checks["loss"].message.startswith("expected loss: none of bce, found none (a loss used only as a function")
    assert checks["widths"].message == "NameError: name 'MLP' is not defined in the notebook"


def test_feedback_shows_the_table_with_marked_rows_and_hides_it_for_hidden_checks(lab):
    same, built = probe_ids(lab)
    two_hidden = described(*MLP[:3], *MLP[5:])
    result = graded(lab, {same: {"ok": True, "description": two_hidden}, built: {"ok": True, "description": two_hidden}})
    page = render_feedback(result, lab.spec, student_view=False)
    assert "Your model as it ran: Net (pytorch)" in page
    assert page.count('class="mismatch"') == 2 and "&#x2717; 2" in page  # the two hidden linear layers counted
    assert page.count("Your model as it ran") == 1  # not for the hidden widths check
    assert "layers.5" in page and "[64, 32, 16]" not in page
