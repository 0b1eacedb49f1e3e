"""nn-basics (numpy): sigmoid, a 2-D convolution and a one-hidden-layer network on blobs2d."""

from __future__ import annotations

from labkit import ROOT, edit, make_lab

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


def make() -> None:
    make_lab("nn-basics", NN_REFERENCE, NN_STARTER, NN_KNOWN_WRONG, NN_EXAMPLES)
    write_blobs2d_data()
