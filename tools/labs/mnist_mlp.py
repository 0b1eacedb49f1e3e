"""mnist-mlp (PyTorch, task 5.1): three hidden layers, dropout, a classification report."""

from __future__ import annotations

from labkit import edit, make_lab

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


def make() -> None:
    make_lab("mnist-mlp", MN_REFERENCE, MN_STARTER, MN_KNOWN_WRONG, MN_EXAMPLES)
