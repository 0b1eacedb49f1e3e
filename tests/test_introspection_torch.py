"""A zoo of real PyTorch models, described in-process by the probe's tracer and judged by rubric
assertions; then the same path through a real kernel. Each test asserts what the description
says and what the checks conclude, not only that nothing raised."""

from __future__ import annotations

import subprocess
import sys

import pytest

from architecture_support import describe, grade_cells, holds, judge, kinds
from grader.probe.introspect import tamper
from grader.probe.introspect.gradcheck import check_gradients
from grader.results import CheckStatus

# torch and torchvision are imported when this module's first test runs (`torch_models`), not when
# pytest collects the file: collection, on every run whatever it selects, must not pay for them.
# The fixture also defines the module-level models (MLP, TinyUNet, Square, WrongSquare).
torch = torchvision = nn = F = None
MLP = TinyUNet = Square = WrongSquare = None


@pytest.fixture(scope="module", autouse=True)
def torch_models() -> None:
    global torch, torchvision, nn, F, MLP, TinyUNet, Square, WrongSquare
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    nn, F = torch.nn, torch.nn.functional
    tamper.guard_frameworks()  # what the preamble does before student code
    MLP, TinyUNet = mlp_class(), tiny_unet_class()
    Square, WrongSquare = square_classes()


def mlp_class():
    """Defined once torch is imported (`torch_models`)."""
    class MLP(nn.Module):
        """The mnist-mlp reference: dropout on the input, Linear+ReLU per width, 10 logits."""

        def __init__(self, hidden_sizes, n_inputs=784, dropout=0.3):
            super().__init__()
            layers = [nn.Dropout(dropout)]
            width = n_inputs
            for size in hidden_sizes:
                layers += [nn.Linear(width, size), nn.ReLU()]
                width = size
            layers.append(nn.Linear(width, 10))
            self.layers = nn.Sequential(*layers)

        def forward(self, x):
            return self.layers(x)

    return MLP


MNIST_RULES = (
    {"count": {"kind": "linear", "hidden": True, "equals": 3}},
    {"order": {"layer": {"kind": "dropout", "p": 0.3}, "before": {"kind": "linear"}}},
    {"activations": {"not_used": ["sigmoid"]}},
    {"output_units": 10},
)


def test_sequential_mlp_is_described_layer_by_layer():
    model = describe(MLP([256, 128, 64]))
    assert kinds(model) == ["dropout", "linear", "activation"] * 1 + ["linear", "activation"] * 2 + ["linear"]
    assert [s.width for s in model.steps("linear")] == [256, 128, 64, 10]
    assert model.layers[0].settings["p"] == pytest.approx(0.3) and model.layers[0].inputs == [-1]
    assert [s.inputs for s in model.layers[1:3]] == [[0], [1]]  # data flows step to step
    assert model.inputs[0]["shape"] == [1, 784] and model.inputs[0]["inferred"]
    assert model.params.total == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert model.outputs == [7] and model.output_layer.path == "layers.7"
    assert holds(model, *MNIST_RULES)


def test_functional_dropout_and_relu_inside_forward_are_seen():
    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.fc3, self.out = nn.Linear(784, 64), nn.Linear(64, 32), nn.Linear(32, 16), nn.Linear(16, 10)

        def forward(self, x):
            x = F.dropout(x, p=0.3, training=self.training)
            for layer in (self.fc1, self.fc2, self.fc3):
                x = F.relu(layer(x))
            return self.out(x)

    model = describe(Functional())
    dropout = model.layers[0]
    assert (dropout.kind, dropout.source, dropout.op) == ("dropout", "function", "dropout")
    assert dropout.settings == {"p": 0.3, "training": True}  # traced in train mode
    assert model.activation_after(model.steps("linear")[0]) == "relu"
    assert holds(model, *MNIST_RULES)


def test_declared_dropout_that_never_runs_fails_placement_and_is_listed_unused():
    class Declared(MLP):
        def __init__(self):
            super().__init__([64, 32, 16])
            self.dropout = nn.Dropout(0.3)  # declared, never called

        def forward(self, x):
            return self.layers[1:](x)

    model = describe(Declared())
    assert "dropout" not in kinds(model)
    assert [h.path for h in model.unused()] == ["layers.0", "dropout"]
    order, runs = judge(model, MNIST_RULES[1], {"all_layers_run": True})
    assert not order.passed and order.found == "no dropout layer with p=0.3 runs"
    assert not runs.passed and "layers.0, dropout" in runs.found


def test_layers_in_a_plain_list_run_but_are_not_registered():
    class PlainList(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [nn.Linear(784, 64), nn.Linear(64, 32), nn.Linear(32, 16)]  # invisible to .parameters()
            self.out = nn.Linear(16, 10)

        def forward(self, x):
            for block in self.blocks:
                x = torch.relu(block(x))
            return self.out(x)

    model = describe(PlainList(), shape=[784])  # the first registered layer (out) cannot tell the input size
    assert [s.registered for s in model.steps("linear")] == [False, False, False, True]
    assert model.params.total == 16 * 10 + 10  # the list's weights are not the model's
    assert len(model.unregistered()) == 3
    count, registered = judge(model, MNIST_RULES[0], {"all_layers_registered": True})
    assert count.passed  # the layers do run
    assert not registered.passed and "nn.ModuleList" in registered.found


def test_shared_layer_runs_twice_and_counts_per_call():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp, self.shared, self.out = nn.Linear(8, 16), nn.Linear(16, 16), nn.Linear(16, 2)

        def forward(self, x):
            x = self.inp(x)
            x = self.shared(torch.tanh(self.shared(x)))
            return self.out(x)

    model = describe(Shared())
    shared = [s for s in model.steps("linear") if s.path == "shared"]
    assert [s.call for s in shared] == [1, 2]
    assert next(h for h in model.modules if h.path == "shared").calls == 2
    assert len(model.first_calls()) == len(model.layers) - 1
    assert holds(model, {"count": {"kind": "linear", "equals": 4}}, {"activations": {"used": ["tanh"]}})


def test_nested_torchvision_backbone_is_recognised_by_structure():
    class Transfer(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Sequential(torchvision.models.vgg16(weights=None).features, nn.AdaptiveAvgPool2d(1))
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(512, 10))

        def forward(self, x):
            return self.head(self.backbone(x))

    model = describe(Transfer(), shape=[3, 32, 32])
    assert len(model.steps("conv2d")) == 13 and model.steps("conv2d")[0].path == "backbone.0.0"
    backbone, strict = judge(model, {"backbone": {"name": "vgg16", "fully_connected": "any"}},
                             {"backbone": {"name": "vgg16"}})
    assert backbone.passed and strict.passed is False and "1 dense layer" in strict.found


@pytest.fixture(scope="module")
def vgg16():
    return torchvision.models.vgg16(weights=None)


def _replace_head(vgg, freeze_first: bool):
    for parameter in vgg.parameters():
        parameter.requires_grad = not freeze_first
    vgg.classifier[6] = nn.Linear(4096, 10)
    return vgg


VGG_RULES = ({"backbone": {"name": "vgg16"}}, {"frozen": "all_but_last"}, {"output_units": 10})


def test_vgg16_frozen_except_the_replaced_last_layer_passes(vgg16):
    model = describe(_replace_head(vgg16, freeze_first=True), shape=[3, 32, 32])
    assert len(model.steps("conv2d")) == 13 and len(model.steps("linear")) == 3
    assert model.params.trainable == 4096 * 10 + 10
    assert holds(model, *VGG_RULES)


def test_vgg16_frozen_wrongly_fails_with_the_trainable_layers_marked(vgg16):
    _replace_head(vgg16, freeze_first=True)
    for parameter in vgg16.classifier.parameters():
        parameter.requires_grad = True  # froze only the features
    model = describe(vgg16, shape=[3, 32, 32])
    backbone, frozen, _ = judge(model, *VGG_RULES)
    assert backbone.passed and not frozen.passed
    assert "2 layers trainable: classifier.0, classifier.3" in frozen.found
    assert [model.layers[i].path for i in frozen.marked] == ["classifier.0", "classifier.3"]


def test_vgg16_with_the_new_layer_frozen_too_fails(vgg16):
    model = _replace_head(vgg16, freeze_first=False)
    for parameter in model.parameters():
        parameter.requires_grad = False  # froze after replacing: nothing trains
    frozen = judge(describe(model, shape=[3, 32, 32]), VGG_RULES[1])[0]
    assert not frozen.passed and "the last layer classifier.6 is not fully trainable (0 of 40,970)" in frozen.found


def test_resnet_basic_blocks_have_residual_additions():
    model = describe(torchvision.models.resnet18(weights=None, num_classes=10), shape=[3, 32, 32])
    additions = model.skip_merges(("add",))
    assert len(additions) == 8 and all(s.source == "function" and len(s.inputs) == 2 for s in additions)
    assert holds(model, {"skip_connections": {"kind": "add", "min": 8}}, {"count": {"kind": "batchnorm", "equals": 20}})


def test_bottleneck_block_with_projection_shortcut_is_a_skip_connection():
    from torchvision.models.resnet import Bottleneck

    downsample = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2), nn.BatchNorm2d(32))
    model = describe(Bottleneck(16, 8, stride=2, downsample=downsample), shape=[16, 8, 8])
    merge = model.skip_merges(("add",))
    assert len(merge) == 1
    paths = {model.layers[i].path for i in merge[0].inputs}
    assert paths == {"bn3", "downsample.1"}  # neither branch is the other's ancestor: they split at the input
    assert [s.settings["kernel_size"] for s in model.steps("conv2d")] == [[1, 1], [3, 3], [1, 1], [1, 1]]
    assert model.inputs[0]["shape"] == [2, 16, 8, 8]  # BatchNorm trains: two examples


def tiny_unet_class():
    """Defined once torch is imported (`torch_models`)."""
    class TinyUNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc1, self.enc2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
            self.bottom = nn.Conv2d(16, 32, 3, padding=1)
            self.up2, self.dec2 = nn.ConvTranspose2d(32, 16, 2, stride=2), nn.Conv2d(32, 16, 3, padding=1)
            self.up1, self.dec1 = nn.ConvTranspose2d(16, 8, 2, stride=2), nn.Conv2d(16, 8, 3, padding=1)
            self.head = nn.Conv2d(8, 2, 1)

        def forward(self, x):
            e1 = F.relu(self.enc1(x))
            e2 = F.relu(self.enc2(F.max_pool2d(e1, 2)))
            b = F.relu(self.bottom(F.max_pool2d(e2, 2)))
            d2 = F.relu(self.dec2(torch.cat([self.up2(b), e2], dim=1)))
            d1 = F.relu(self.dec1(torch.cat([self.up1(d2), e1], dim=1)))
            return self.head(d1)

    return TinyUNet


def test_unet_concatenation_skips_are_visible_as_edges():
    model = describe(TinyUNet(), shape=[1, 16, 16])
    concats = model.steps("concat")
    assert len(concats) == 2 and all(s.settings["dim"] == 1 for s in concats)
    assert {model.layers[i].name for i in concats[0].inputs} == {"up2", "relu()"}  # decoder and encoder features
    assert len(model.steps("transpose-conv")) == 2 and len(model.steps("pooling")) == 2
    assert holds(model, {"skip_connections": {"kind": "concat", "equals": 2}}, {"output_units": 2})
    assert not judge(model, {"skip_connections": {"kind": "add", "min": 1}})[0].passed


def test_gan_generator_and_discriminator():
    generator = nn.Sequential(nn.Linear(16, 128), nn.BatchNorm1d(128), nn.LeakyReLU(0.2),
                              nn.Linear(128, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
    discriminator = nn.Sequential(nn.Conv2d(1, 16, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
                                  nn.Conv2d(16, 32, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
                                  nn.Flatten(), nn.Linear(32 * 7 * 7, 1), nn.Sigmoid())
    g, d = describe(generator), describe(discriminator, shape=[1, 28, 28])
    assert g.layers[-1].output_shape == [2, 1, 28, 28] and g.inputs[0]["shape"] == [2, 16]
    assert g.activations_used() == {"leaky_relu", "tanh"} and d.activations_used() == {"leaky_relu", "sigmoid"}
    assert holds(d, {"sequence": [{"kind": "conv2d", "filters": 16, "kernel_size": 4, "stride": 2},
                                  {"kind": "conv2d", "filters": 32}, {"kind": "linear", "units": 1,
                                                                       "activation": "sigmoid"}]})
    optimizers = {"g_opt": torch.optim.Adam(generator.parameters(), lr=2e-4),
                  "d_opt": torch.optim.Adam(discriminator.parameters(), lr=2e-4), "bce": nn.BCELoss()}
    described = describe(discriminator, shape=[1, 28, 28], namespace=optimizers)
    assert [(o.name, o.covers) for o in described.training.optimizers] == [("g_opt", 0.0), ("d_opt", 1.0)]
    assert holds(described, {"optimizer": {"any_of": ["adam"], "lr": {"max": 0.001}}}, {"loss": {"any_of": ["bce"]}})


def test_recurrent_stacks_report_units_and_activations():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(4, 16, batch_first=True, nonlinearity="relu")
            self.lstm = nn.LSTM(16, 12, batch_first=True)
            self.gru = nn.GRU(12, 8, batch_first=True)
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            x, _ = self.rnn(x)
            x, _ = self.lstm(x)
            x, _ = self.gru(x)
            return self.out(x[:, -1])

    model = describe(Stack())
    assert kinds(model) == ["simple-rnn", "lstm", "gru", "linear"]
    assert model.inputs[0]["shape"] == [1, 8, 4]  # inferred: 8 time steps of the RNN's 4 features
    assert model.layers[1].settings["recurrent_activation"] == "sigmoid"
    assert [s.inputs for s in model.layers] == [[-1], [0], [1], [2]]  # through the (output, state) tuples
    assert holds(model, {"sequence": [{"kind": "simple-rnn", "activation": "relu", "units": 16}, {"kind": "lstm"},
                                      {"kind": "gru", "units": 8}, {"kind": "linear", "units": 1}]})


def test_flatten_by_view_and_residual_plus_inside_forward():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.fc = nn.Conv2d(3, 4, 3, padding=1), nn.Linear(4 * 8 * 8, 5)

        def forward(self, x):
            h = self.conv(x)
            h = h + F.relu(h)
            return self.fc(h.view(h.size(0), -1))

    model = describe(Net(), shape=[3, 8, 8])
    assert kinds(model) == ["conv2d", "activation", "add", "flatten", "linear"]
    assert model.layers[2].inputs == [0, 1] and model.layers[3].op == "view"
    assert holds(model, {"skip_connections": {"kind": "add", "equals": 1}})


def test_description_leaves_the_model_and_random_state_untouched():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2)).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    described = describe(model)  # traced in train mode
    assert described.mode == "train" and described.inputs[0]["shape"] == [2, 4]
    assert not model.training and all(not m.training for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state())


def test_a_forward_pass_that_fails_is_reported_with_how_far_it_got():
    model = describe(MLP([64, 32, 16]), shape=[100])
    assert not model.trace.ok and "RuntimeError" in model.trace.error
    assert kinds(model) == ["dropout", "linear"] and model.layers[-1].output_shape is None  # broke at the Linear
    count = judge(model, MNIST_RULES[0])[0]
    assert not count.passed and count.found == "not checked: the forward pass failed"
    assert holds(model, {"parameters": {"total": {"min": 1}}})  # weights need no forward pass


def test_replaced_framework_function_is_reported(monkeypatch):
    monkeypatch.setattr(F, "dropout", lambda x, p=0.5, training=True, inplace=False: x)
    monkeypatch.setattr(nn.ReLU, "forward", lambda self, x: x)
    model = describe(MLP([8, 8, 8]))
    assert model.tamper.guarded and model.tamper.replaced == ["torch.nn.ReLU.forward", "torch.nn.functional.dropout"]
    assert "remove the code that reassigns it" in str(model.tamper.problem())


def test_a_framework_imported_after_the_preamble_is_guarded_at_import():
    """`import os, torch` escapes the preamble's import detection; the import hook still takes the
    references before the notebook's next line runs."""
    script = ("from grader.probe.introspect import tamper\n"
              "tamper.guard_frameworks()\n"
              "import os, torch\n"
              "import torch.nn.functional as F\n"
              "F.relu = lambda x, inplace=False: x\n"
              "print(tamper.report('torch'))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "{'guarded': True, 'replaced': ['torch.nn.functional.relu']}", done.stderr


def square_classes():
    """A custom autograd Function and one with a wrong backward; defined once torch is imported."""
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    class WrongSquare(Square):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return x * grad  # forgot the factor 2

    return Square, WrongSquare


def test_gradcheck_accepts_a_correct_backward_and_rejects_a_wrong_one(monkeypatch):
    good = check_gradients(Square, input_shapes=[[3, 2]], init_args=[], init_kwargs={})
    bad = check_gradients(WrongSquare, input_shapes=[[3, 2]], init_args=[], init_kwargs={})
    layer = check_gradients(nn.Linear, input_shapes=[[2, 3]], init_args=[3, 4], init_kwargs={})
    assert good.passed and good.target == "autograd.Function" and good.tamper["replaced"] == []
    assert not bad.passed and "Jacobian mismatch" in bad.reason
    assert layer.passed and layer.target == "module class"
    monkeypatch.setattr(torch.autograd, "gradcheck", lambda *args, **kwargs: True)
    cheated = check_gradients(WrongSquare, input_shapes=[[3, 2]], init_args=[], init_kwargs={})
    assert not cheated.passed  # the saved original still runs
    assert cheated.tamper["replaced"] == ["torch.autograd.gradcheck"]


# ---- through a real kernel ------------------------------------------------------------------------

KERNEL_CHECKS = [
    {"id": "hidden", "title": "three hidden layers, dropout first", "kind": "architecture", "points": 2,
     "params": {"input_shape": [784], "expect": [MNIST_RULES[0], MNIST_RULES[1]]}},
    {"id": "widths", "title": "widths from the constructor", "kind": "architecture", "points": 1,
     "params": {"build": {"class": "MLP", "args": [[64, 32, 16]]}, "input_shape": [784],
                "expect": [{"units": {"kind": "linear", "hidden": True, "equals": [64, 32, 16]}}]}},
    {"id": "loss", "title": "a loss for 10 classes", "kind": "architecture", "points": 1,
     "params": {"input_shape": [784], "expect": [{"loss": {"none_of": ["bce", "bce_with_logits"]}},
                                                 {"optimizer": {"any_of": ["adam"]}}]}},
    {"id": "square", "title": "custom backward", "kind": "gradcheck", "points": 1,
     "params": {"name": "Square", "input_shapes": [[4]]}},
]

NOTEBOOK = [
    "import torch\nfrom torch import nn\nimport torch.nn.functional as F",
    "class MLP(nn.Module):\n"
    "    def __init__(self, hidden_sizes):\n"
    "        super().__init__()\n"
    "        self.hidden = nn.ModuleList()\n"
    "        width = 784\n"
    "        for size in hidden_sizes:\n"
    "            self.hidden.append(nn.Linear(width, size))\n"
    "            width = size\n"
    "        self.out = nn.Linear(width, 10)\n"
    "    def forward(self, x):\n"
    "        x = F.dropout(x, 0.3, training=self.training)\n"
    "        for layer in self.hidden:\n"
    "            x = F.relu(layer(x))\n"
    "        return self.out(x)\n",
    "model = MLP([256, 128, 64])\nloss_fn = nn.CrossEntropyLoss()\n"
    "optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)",
    "class Square(torch.autograd.Function):\n"
    "    @staticmethod\n"
    "    def forward(ctx, x):\n"
    "        ctx.save_for_backward(x)\n"
    "        return x * x\n"
    "    @staticmethod\n"
    "    def backward(ctx, grad):\n"
    "        (x,) = ctx.saved_tensors\n"
    "        return 2 * x * grad\n",
]


@pytest.mark.slow
def test_torch_notebook_is_graded_end_to_end(tmp_path, local_sandbox):
    result = grade_cells(tmp_path, local_sandbox, framework="pytorch", checks=KERNEL_CHECKS, cells=NOTEBOOK)
    assert [(c.id, c.status) for c in result.checks] == [(c["id"], CheckStatus.PASSED) for c in KERNEL_CHECKS]
    table = result.checks[0].details["architecture"]
    assert [row["kind"] for row in table["rows"]][:3] == ["dropout", "linear", "activation"]
    assert "Your model as it ran: MLP (pytorch)" in (tmp_path / "out" / "feedback.html").read_text()


@pytest.mark.slow
def test_torch_notebook_that_replaces_dropout_fails_visibly(tmp_path, local_sandbox):
    cells = [*NOTEBOOK[:2], "model = MLP([256, 128])\nloss_fn = nn.BCELoss()", NOTEBOOK[3],
             "F.dropout = lambda x, p=0.5, training=True, inplace=False: x"]
    result = grade_cells(tmp_path, local_sandbox, framework="pytorch", checks=KERNEL_CHECKS, cells=cells)
    checks = {c.id: c for c in result.checks}
    assert checks["hidden"].status is CheckStatus.FAILED
    assert "the notebook replaced torch.nn.functional.dropout" in checks["hidden"].message
    assert checks["square"].status is CheckStatus.PASSED  # gradcheck relies on nothing that was replaced
