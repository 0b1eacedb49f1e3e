"""Generate the notebooks of the nn-basics and mnist-mlp labs, so they stay reproducible:
the starter, the reference solution, the known-wrong submissions (for `grader validate`) and
the sample submissions in examples/. Run from the repository root:

    python tools/make_lab_notebooks.py

A lab is a list of named cells. A variant replaces some cells by name; a known-wrong variant also
declares in metadata.grader.expect exactly the rubric checks it must lose.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python"}}


def edit(source: str, *pairs: str) -> str:
    """source with each (old, new) pair replaced; an `old` that is not there is an error, so a
    variant cannot silently stop differing from the reference."""
    for old, new in zip(pairs[::2], pairs[1::2]):
        if old not in source:
            raise ValueError(f"{old!r} not found in:\n{source}")
        source = source.replace(old, new)
    return source

# --------------------------------------------------------------------------------------------
# nn-basics (numpy)
# --------------------------------------------------------------------------------------------

NN_INTRO = """\
# Lab: neural network basics in numpy

1. `sigmoid(x)` — the logistic activation for a number or a numpy array.
2. `convolve2d(image, kernel)` — a 2-D convolution of an image with a filter, as in CNN layers
   ("valid" mode, the kernel is **not** flipped).
3. A network with one input, one hidden and one output layer, trained with numpy on the
   `blobs2d` rings (two classes that no straight line separates): weights `W1`, `b1`, `W2`, `b2`,
   a `predict(X)` function, and the final training accuracy printed as `train accuracy: 0.983`.

The exact contract of every name is in README.md. Use only numpy."""

NN_PARAMS = """\
EPOCHS = 1000  # training epochs; the grader sets EPOCHS = 500 when it grades"""

NN_IMPORTS = """\
import numpy as np"""

NN_SIGMOID_MD = "## 1. Sigmoid"

NN_SIGMOID = """\
def sigmoid(x):
    \"\"\"1 / (1 + e^(-x)), element-wise: a number gives a number, an array an array of the same shape.\"\"\"
    x = np.asarray(x, dtype=float)
    return 1.0 / (1.0 + np.exp(-x))


print(sigmoid(0.0))
print(sigmoid(np.array([-2.0, -1.0, 0.0, 1.0, 2.0])))"""

NN_CONV_MD = """\
## 2. Convolution of an image and a filter

Slide the kernel over the image; at each position multiply element-wise and sum. Only positions
where the kernel fits entirely ("valid" mode): an `(H, W)` image and a `(kh, kw)` kernel give an
`(H - kh + 1, W - kw + 1)` result. Like CNN layers, do not flip the kernel."""

NN_CONV = """\
def convolve2d(image, kernel):
    \"\"\"'Valid' 2-D convolution as in CNN layers (cross-correlation, kernel not flipped).\"\"\"
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    result = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            result[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return result


image = np.array([[1, 2, 0, 3, 1],
                  [0, 1, 4, 1, 2],
                  [2, 0, 1, 0, 3],
                  [1, 3, 2, 2, 0],
                  [0, 1, 0, 4, 1]], dtype=float)
sobel_x = np.array([[1, 0, -1],
                    [2, 0, -2],
                    [1, 0, -1]], dtype=float)  # responds to vertical edges
print(convolve2d(image, sobel_x))"""

NN_NET_MD = """\
## 3. A network with one hidden layer

Input (2 features) → hidden layer (`HIDDEN` neurons, a non-linear activation) → output
(1 neuron, sigmoid = probability of class 1). Train it with gradient descent on the binary
cross-entropy. A model without the hidden non-linearity is a linear classifier and stays near
50% on these rings."""

NN_DATA = """\
data = np.load("data/blobs2d.npz")
X_train, y_train = data["x_train"], data["y_train"]
X_test, y_test = data["x_test"], data["y_test"]
print(X_train.shape, y_train.shape, np.bincount(y_train))"""

NN_NET = """\
HIDDEN = 16
LEARNING_RATE = 0.5

rng = np.random.default_rng(0)
W1 = rng.normal(0.0, 1.0, size=(2, HIDDEN))                     # input -> hidden
b1 = np.zeros(HIDDEN)
W2 = rng.normal(0.0, 1.0 / np.sqrt(HIDDEN), size=(HIDDEN, 1))   # hidden -> output
b2 = np.zeros(1)


def forward(X):
    \"\"\"Hidden activations (n, HIDDEN) and probabilities of class 1 (n, 1).\"\"\"
    hidden = np.tanh(X @ W1 + b1)
    return hidden, sigmoid(hidden @ W2 + b2)


y = y_train.reshape(-1, 1).astype(float)
n = len(X_train)
for epoch in range(EPOCHS):
    hidden, prob = forward(X_train)
    d_out = (prob - y) / n                           # gradient of the mean cross-entropy
    dW2, db2 = hidden.T @ d_out, d_out.sum(axis=0)
    d_hidden = (d_out @ W2.T) * (1.0 - hidden ** 2)  # tanh'(z) = 1 - tanh(z)^2
    dW1, db1 = X_train.T @ d_hidden, d_hidden.sum(axis=0)
    W1 -= LEARNING_RATE * dW1
    b1 -= LEARNING_RATE * db1
    W2 -= LEARNING_RATE * dW2
    b2 -= LEARNING_RATE * db2
    if epoch % 100 == 0:
        loss = -np.mean(y * np.log(prob + 1e-12) + (1 - y) * np.log(1 - prob + 1e-12))
        print(f"epoch {epoch}: loss {loss:.4f}")"""

NN_PREDICT = """\
def predict(X):
    \"\"\"Class labels (0 or 1) for points X of shape (n, 2): an int array of shape (n,).\"\"\"
    _, prob = forward(np.asarray(X, dtype=float))
    return (prob[:, 0] >= 0.5).astype(int)


train_accuracy = np.mean(predict(X_train) == y_train)
test_accuracy = np.mean(predict(X_test) == y_test)
print(f"train accuracy: {train_accuracy:.3f}")
print(f"test accuracy: {test_accuracy:.3f}")"""

NN_CONCLUSIONS = """\
## Observations

- With tanh and 16 hidden neurons the network reaches about 98% on the test points; the rings
  overlap a little, so 100% is out of reach.
- Without the hidden activation the network is linear and stays near 50%: the non-linearity is
  what lets it draw a closed boundary.
- Too few hidden neurons (1-2) or too few epochs lower the accuracy; too large a learning rate
  makes the loss jump instead of falling."""

NN_REFERENCE = [
    ("intro", "md", NN_INTRO), ("parameters", "params", NN_PARAMS), ("imports", "code", NN_IMPORTS),
    ("sigmoid-md", "md", NN_SIGMOID_MD), ("sigmoid", "code", NN_SIGMOID),
    ("conv-md", "md", NN_CONV_MD), ("conv", "code", NN_CONV),
    ("net-md", "md", NN_NET_MD), ("data", "code", NN_DATA), ("net", "code", NN_NET), ("predict", "code", NN_PREDICT),
    ("conclusions", "md", NN_CONCLUSIONS),
]

NN_STARTER = {
    "conclusions": "## Observations\n\nTODO: what makes the accuracy better or worse (hidden width, activation, epochs, learning rate)?",
    "sigmoid": '''\
def sigmoid(x):
    """1 / (1 + e^(-x)), element-wise: a number gives a number, an array an array of the same shape."""
    raise NotImplementedError("TODO: sigmoid")


# TODO: try it, e.g. print(sigmoid(0.0)) and print(sigmoid(np.array([-2.0, 0.0, 2.0])))''',
    "conv": '''\
def convolve2d(image, kernel):
    """'Valid' 2-D convolution as in CNN layers (cross-correlation, kernel not flipped)."""
    raise NotImplementedError("TODO: convolve2d")


# TODO: try it on a small image, e.g. with a vertical-edge filter [[1, 0, -1], [2, 0, -2], [1, 0, -1]]''',
    "net": '''\
HIDDEN = 16           # neurons in the hidden layer: your choice
LEARNING_RATE = 0.5   # your choice

# TODO: initialise W1 (2, HIDDEN), b1 (HIDDEN,), W2 (HIDDEN, 1), b2 (1,) with small random numbers
W1 = b1 = W2 = b2 = None

# TODO: a forward pass (hidden layer with a non-linear activation, sigmoid output), then train for
# EPOCHS epochs: gradients of the binary cross-entropy, a gradient-descent step on every weight.''',
    "predict": '''\
def predict(X):
    """Class labels (0 or 1) for points X of shape (n, 2): an int array of shape (n,)."""
    raise NotImplementedError("TODO: predict")


# TODO: print the final training accuracy exactly like this: print(f"train accuracy: {train_accuracy:.3f}")''',
}

NN_KNOWN_WRONG = {
    # math.exp works for one number only; the network uses its own activation, so it still trains
    "sigmoid_scalar_only": (["sigmoid"], {
        "imports": "import math\n\nimport numpy as np",
        "sigmoid": edit(NN_SIGMOID, "x = np.asarray(x, dtype=float)\n    return 1.0 / (1.0 + np.exp(-x))",
                        "return 1.0 / (1.0 + math.exp(-x))",
                        "\nprint(sigmoid(np.array([-2.0, -1.0, 0.0, 1.0, 2.0])))", ""),
        "net": edit(NN_NET, "sigmoid(hidden @ W2 + b2)", "1.0 / (1.0 + np.exp(-(hidden @ W2 + b2)))"),
    }),
    # the textbook (mathematical) convolution flips the kernel; CNN layers do not
    "convolution_flipped": (["convolution", "convolution-hidden"], {
        "conv": edit(NN_CONV, "    kh, kw = kernel.shape\n",
                     "    kernel = kernel[::-1, ::-1]  # flip, as in the textbook definition\n    kh, kw = kernel.shape\n"),
    }),
    # without the hidden non-linearity the network is a linear classifier
    "no_hidden_activation": (["accuracy-public", "accuracy-hidden"], {
        "net": edit(NN_NET, "hidden = np.tanh(X @ W1 + b1)", "hidden = X @ W1 + b1",
                    "(d_out @ W2.T) * (1.0 - hidden ** 2)  # tanh'(z) = 1 - tanh(z)^2", "d_out @ W2.T"),
    }),
    # a typo in the convolution cell: the cell stops and convolve2d raises whenever it is called
    "crashing_cell": (["runs", "convolution", "convolution-hidden"], {
        "conv": edit(NN_CONV, "np.zeros((out_h, out_w))", "np.zeros(out_h, out_w)"),
    }),
    # probabilities instead of labels: the grader cannot score them as classes
    "predict_probabilities": (["accuracy-public", "accuracy-hidden"], {
        "predict": edit(NN_PREDICT, "return (prob[:, 0] >= 0.5).astype(int)", "return prob[:, 0]",
                        "np.mean(predict(X_train) == y_train)", "np.mean((predict(X_train) >= 0.5) == y_train)",
                        "np.mean(predict(X_test) == y_test)", "np.mean((predict(X_test) >= 0.5) == y_test)"),
    }),
}

# sample submissions for the README demo: name -> replaced cells (None: the reference)
NN_EXAMPLES = {
    "anna_good": None,
    "boris_flipped_kernel": NN_KNOWN_WRONG["convolution_flipped"][1],
    "clara_crashing_cell": NN_KNOWN_WRONG["crashing_cell"][1],
    # a linear network, and the training accuracy is never printed: below the pass mark
    "dmitry_linear_net": {**NN_KNOWN_WRONG["no_hidden_activation"][1],
                          "predict": edit(NN_PREDICT, 'print(f"train accuracy: {train_accuracy:.3f}")\n', "")},
}

# --------------------------------------------------------------------------------------------
# mnist-mlp (PyTorch)
# --------------------------------------------------------------------------------------------

MN_INTRO = """\
# Lab 5.1: a multi-class MLP on MNIST (PyTorch)

Change the lesson's network so that it classifies all 10 digits:

- three hidden layers (the lesson had two), their widths passed as a list to the constructor,
  `MLP([256, 128, 64])`;
- dropout with p = 0.3 before the first hidden layer;
- a loss and an activation other than the lesson's `BCELoss` and sigmoid;
- the test accuracy and sklearn's `classification_report` for every class;
- the trained weights saved with `torch.save(model.state_dict(), "mnist_mlp.pt")`.

The exact contract of every name is in README.md."""

MN_PARAMS = """\
EPOCHS = 10  # training epochs; the grader sets EPOCHS = 2 when it grades
BATCH_SIZE = 128"""

MN_IMPORTS = """\
import os

import numpy as np
import torch
from sklearn.metrics import classification_report
from torch import nn

torch.manual_seed(0)"""

MN_DATA = """\
# Keras's copy of MNIST: keras.datasets.mnist.load_data() downloads it to this file.
path = os.path.expanduser("~/.keras/datasets/mnist.npz")
with np.load(path) as data:
    x_train, y_train = data["x_train"], data["y_train"]
    x_test, y_test = data["x_test"], data["y_test"]
print(x_train.shape, x_train.dtype, x_test.shape)


def to_tensor(images):
    \"\"\"uint8 images (n, 28, 28) -> float32 tensor (n, 784) scaled to [0, 1].\"\"\"
    images = np.asarray(images)
    return torch.as_tensor(images, dtype=torch.float32).reshape(len(images), -1) / 255.0"""

MN_MODEL = """\
class MLP(nn.Module):
    \"\"\"Dropout on the inputs, then Linear + ReLU for every width in hidden_sizes, then 10 logits.\"\"\"

    def __init__(self, hidden_sizes, n_inputs=784, n_classes=10, dropout=0.3):
        super().__init__()
        layers = [nn.Dropout(dropout)]  # before the first hidden layer
        width = n_inputs
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            width = size
        layers.append(nn.Linear(width, n_classes))  # logits: CrossEntropyLoss applies the softmax
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


HIDDEN_SIZES = [256, 128, 64]
model = MLP(HIDDEN_SIZES)
print(model)"""

MN_TRAIN = """\
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
X, Y = to_tensor(x_train), torch.as_tensor(y_train, dtype=torch.long)
for epoch in range(EPOCHS):
    model.train()
    order = torch.randperm(len(X))
    total = 0.0
    for start in range(0, len(X), BATCH_SIZE):
        batch = order[start:start + BATCH_SIZE]
        optimizer.zero_grad()
        loss = loss_fn(model(X[batch]), Y[batch])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
    print(f"epoch {epoch + 1}: loss {total / len(X):.4f}")"""

MN_PREDICT = """\
def predict(images):
    \"\"\"uint8 images (n, 28, 28) -> predicted digits: an int numpy array of shape (n,).\"\"\"
    model.eval()
    with torch.no_grad():
        return model(to_tensor(images)).argmax(dim=1).numpy()"""

MN_REPORT = """\
y_pred = predict(x_test)
test_accuracy = float(np.mean(y_pred == y_test))
print(classification_report(y_test, y_pred, digits=4))
print(f"test accuracy: {test_accuracy:.4f}")"""

MN_SAVE = """\
torch.save(model.state_dict(), "mnist_mlp.pt")

restored = MLP(HIDDEN_SIZES)
restored.load_state_dict(torch.load("mnist_mlp.pt"))
print("reloaded the saved weights into a new MLP")"""

MN_CONCLUSIONS = """\
## Conclusions

- Three hidden layers (256, 128, 64) with ReLU and cross-entropy learn all ten digits; the lesson's
  sigmoid + BCE setup is meant for one yes/no output.
- Dropout on the input costs a little training accuracy but keeps the test accuracy close to it.
- The classification report shows which digits are hardest (lowest recall)."""

MN_REFERENCE = [
    ("intro", "md", MN_INTRO), ("parameters", "params", MN_PARAMS), ("imports", "code", MN_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", MN_DATA),
    ("model-md", "md", "## The model"), ("model", "code", MN_MODEL),
    ("train-md", "md", "## Training"), ("train", "code", MN_TRAIN),
    ("eval-md", "md", "## Evaluation"), ("predict", "code", MN_PREDICT), ("report", "code", MN_REPORT),
    ("save", "code", MN_SAVE), ("conclusions", "md", MN_CONCLUSIONS),
]

MN_STARTER = {
    "model": '''\
class MLP(nn.Module):
    def __init__(self, hidden_sizes, n_inputs=784, n_classes=10, dropout=0.3):
        super().__init__()
        # TODO: nn.Dropout(dropout) first, then for every width in hidden_sizes a Linear layer and an
        # activation (not sigmoid), then a Linear layer with n_classes outputs.

    def forward(self, x):
        raise NotImplementedError("TODO: MLP.forward")


HIDDEN_SIZES = None  # TODO: three hidden widths, e.g. [256, 128, 64]
model = None         # TODO: model = MLP(HIDDEN_SIZES)''',
    "conclusions": "## Conclusions\n\nTODO: how did your changes affect the test accuracy? Which digits are hardest?",
    "train": '''\
# TODO: a loss for multi-class classification (not BCELoss) and an optimizer; train `model` for
# EPOCHS epochs on (x_train, y_train) in mini-batches of BATCH_SIZE.''',
    "predict": '''\
def predict(images):
    """uint8 images (n, 28, 28) -> predicted digits: an int numpy array of shape (n,)."""
    raise NotImplementedError("TODO: predict")''',
    "report": '''\
# TODO: y_pred = predict(x_test); print classification_report(y_test, y_pred) and
# print(f"test accuracy: {test_accuracy:.4f}")
test_accuracy = None''',
    "save": '''\
# TODO: torch.save(model.state_dict(), "mnist_mlp.pt"), then load it into a new MLP''',
}

MN_KNOWN_WRONG = {
    "no_classification_report": (["classification-report"], {
        "report": edit(MN_REPORT, "print(classification_report(y_test, y_pred, digits=4))\n", ""),
    }),
    "two_hidden_layers": (["hidden-sizes", "three-hidden-layers"], {
        "model": edit(MN_MODEL, "HIDDEN_SIZES = [256, 128, 64]", "HIDDEN_SIZES = [256, 128]"),
    }),
    # HIDDEN_SIZES says three, but the trained model is built with two
    "model_not_from_hidden_sizes": (["three-hidden-layers"], {
        "model": edit(MN_MODEL, "model = MLP(HIDDEN_SIZES)", "model = MLP(HIDDEN_SIZES[:2])"),
        "save": edit(MN_SAVE, "restored = MLP(HIDDEN_SIZES)", "restored = MLP(HIDDEN_SIZES[:2])"),
    }),
    # the constructor ignores its argument: MLP([64, 32, 16]) still has 256, 128, 64
    "widths_ignored": (["widths-from-constructor"], {
        "model": edit(MN_MODEL, "for size in hidden_sizes:", "for size in [256, 128, 64]:"),
    }),
    "dropout_after_first_hidden": (["dropout-before-first-hidden"], {
        "model": edit(MN_MODEL, "layers = [nn.Dropout(dropout)]  # before the first hidden layer", "layers = []",
                      "            layers += [nn.Linear(width, size), nn.ReLU()]\n",
                      "            layers += [nn.Linear(width, size), nn.ReLU()]\n"
                      "            if len(layers) == 2:\n"
                      "                layers.append(nn.Dropout(dropout))  # after the first hidden layer\n"),
    }),
    # declared, so print(model) shows it, but forward never calls it
    "dropout_declared_not_applied": (["dropout-before-first-hidden"], {
        "model": edit(MN_MODEL, "layers = [nn.Dropout(dropout)]  # before the first hidden layer",
                      "self.dropout = nn.Dropout(dropout)\n        layers = []"),
    }),
    # the lesson's binary loss on one-hot targets: it still learns, but it is not what was asked
    "bce_loss": (["loss-not-bce"], {
        "train": edit(MN_TRAIN, "loss_fn = nn.CrossEntropyLoss()", "loss_fn = nn.BCEWithLogitsLoss()",
                      "loss = loss_fn(model(X[batch]), Y[batch])",
                      "loss = loss_fn(model(X[batch]), nn.functional.one_hot(Y[batch], 10).float())"),
    }),
    # sigmoid learns more slowly: a larger learning rate keeps the accuracy, so only the check is lost
    "sigmoid_activation": (["activation-not-sigmoid"], {
        "model": edit(MN_MODEL, "nn.ReLU()", "nn.Sigmoid()"),
        "train": edit(MN_TRAIN, "lr=1e-3", "lr=5e-3"),
    }),
    # digits as strings are not labels the grader can score
    "predict_returns_strings": (["accuracy-public", "accuracy-hidden"], {
        "predict": edit(MN_PREDICT, "return model(to_tensor(images)).argmax(dim=1).numpy()",
                        "return np.array([str(d) for d in model(to_tensor(images)).argmax(dim=1).tolist()])"),
        "report": edit(MN_REPORT, "y_pred = predict(x_test)", "y_pred = predict(x_test).astype(int)"),
    }),
    # optimizer.step() forgotten: the weights never change and accuracy stays near chance
    "untrained_model": (["accuracy-public", "accuracy-hidden"], {
        "train": edit(MN_TRAIN, "        optimizer.step()\n", ""),
    }),
    "not_saved_no_predict": (["model-saved", "accuracy-public", "accuracy-hidden"], {
        "predict": "",
        "report": edit(MN_REPORT, "y_pred = predict(x_test)",
                       "model.eval()\nwith torch.no_grad():\n    y_pred = model(to_tensor(x_test)).argmax(dim=1).numpy()"),
        "save": "",
    }),
    # y_test is a numpy array, not a tensor: the report cell stops before printing anything
    "crashing_cell": (["runs", "classification-report", "accuracy-printed"], {
        "report": edit(MN_REPORT, "classification_report(y_test, y_pred", "classification_report(y_test.numpy(), y_pred"),
    }),
}

MN_EXAMPLES = {
    "anna_good": None,
    "boris_no_report": MN_KNOWN_WRONG["no_classification_report"][1],
    "clara_crashing_cell": MN_KNOWN_WRONG["crashing_cell"][1],
    # never trained and never saved: below the pass mark
    "dmitry_untrained": {**MN_KNOWN_WRONG["untrained_model"][1], "save": ""},
}

# --------------------------------------------------------------------------------------------


def build(lab: str, cells: list[tuple[str, str, str]], replace: dict[str, str] | None = None,
          expect: list[str] | None = None) -> nbformat.NotebookNode:
    """A notebook from named cells; `replace` swaps sources by name ("" drops the cell)."""
    replace = replace or {}
    unknown = set(replace) - {name for name, _, _ in cells}
    if unknown:
        raise KeyError(f"{lab}: no cell named {sorted(unknown)}")
    built = []
    for name, kind, source in cells:
        source = replace.get(name, source)
        if source == "":
            continue
        if kind == "md":
            cell = new_markdown_cell(source)
        else:
            cell = new_code_cell(source, metadata={"tags": ["parameters"]} if kind == "params" else {})
        cell["id"] = name  # stable ids: regenerating gives identical files
        built.append(cell)
    metadata = dict(KERNEL)
    if expect is not None:
        metadata["grader"] = {"expect": {"failing": expect, "status": "graded"}}
    notebook = new_notebook(cells=built, metadata=metadata)
    nbformat.validate(notebook)
    return notebook


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def make_lab(lab: str, reference: list, starter: dict, known_wrong: dict, examples: dict) -> None:
    write(build(lab, reference), ROOT / "reference_solutions" / f"{lab}.ipynb")
    write(build(lab, reference, starter), ROOT / "assignments" / lab / "starter.ipynb")
    for name, (failing, replace) in known_wrong.items():
        write(build(lab, reference, replace, expect=failing),
              ROOT / "reference_solutions" / "known_wrong" / lab / f"{name}.ipynb")
    for name, replace in examples.items():  # sample submissions: no expectations in metadata
        write(build(lab, reference, replace), ROOT / "examples" / lab / f"{name}.ipynb")


def write_blobs2d_data() -> None:
    """The public blobs2d file in the student bundle, so the notebook also runs outside the grader."""
    from grader.datasets.files import npz_bytes, write_atomic
    from grader.datasets.registry import get_provider

    provider = get_provider("blobs2d")
    path = ROOT / "assignments" / "nn-basics" / "data" / "blobs2d.npz"
    arrays = {}
    for split in ("train", "test"):
        arrays[f"x_{split}"], arrays[f"y_{split}"] = provider.generate(split, provider.public_seeds[split])
    write_atomic(path, npz_bytes(arrays))
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> int:
    make_lab("nn-basics", NN_REFERENCE, NN_STARTER, NN_KNOWN_WRONG, NN_EXAMPLES)
    make_lab("mnist-mlp", MN_REFERENCE, MN_STARTER, MN_KNOWN_WRONG, MN_EXAMPLES)
    write_blobs2d_data()
    return 0


if __name__ == "__main__":
    sys.exit(main())
