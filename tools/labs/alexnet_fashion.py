"""alexnet-fashion (Keras, course 003 lesson 4): an AlexNet-style CNN on Fashion-MNIST, conv-pool
blocks whose kernels shrink from block to block; a wider and a deeper variant; a dense baseline;
an accuracy table; the best CNN must beat the dense net on held-out images."""

from __future__ import annotations

from labkit import edit, make_lab

AF_INTRO = """\
# Lesson 4: an AlexNet-style convolutional network on Fashion-MNIST (Keras)

- a CNN of conv-pool blocks whose kernel sizes shrink from block to block, as in AlexNet
  (11, 5, 3, ...);
- a wider variant (more filters in every block) and a deeper one (more blocks);
- a dense network as the baseline;
- the test accuracy and parameter count of every model in one table;
- your best CNN must beat the dense network.

The exact contract is in README.md."""

AF_PARAMS = """\
EPOCHS = 5           # the grader sets EPOCHS = 3 when it grades
TRAIN_SIZE = 6000    # training images used; the grader sets 2000"""

AF_IMPORTS = """\
import pandas as pd
import keras
from keras import layers

keras.utils.set_random_seed(0)"""

AF_DATA = """\
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train, y_train = x_train[:TRAIN_SIZE], y_train[:TRAIN_SIZE]
print(x_train.shape, x_test.shape)"""

AF_TRAINING = """\
rows, models = [], {}


def train(name, model):
    \"\"\"Compile with Adam, fit for EPOCHS epochs, record the test accuracy and parameter count
    under `name` (the model's variable name) and keep the model in `models`.\"\"\"
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, verbose=0)
    test_accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    rows.append({"model": name, "params": model.count_params(), "test_accuracy": test_accuracy})
    models[name] = model
    return model"""

AF_ALEXNET = """\
def alexnet(filters, kernels):
    \"\"\"One conv-pool block per (filters, kernel size) pair, then Dense(64) and a softmax over
    10 classes. The model takes uint8 images (n, 28, 28) as they are and scales them itself.\"\"\"
    blocks = []
    for width, kernel in zip(filters, kernels):
        blocks += [layers.Conv2D(width, kernel, padding="same", activation="relu"), layers.MaxPooling2D(2)]
    return keras.Sequential([keras.Input((28, 28)), layers.Rescaling(1 / 255), layers.Reshape((28, 28, 1)),
                             *blocks, layers.Flatten(), layers.Dense(64, activation="relu"),
                             layers.Dense(10, activation="softmax")])"""

AF_CNN = """\
cnn = train("cnn", alexnet(filters=[16, 32, 64], kernels=[5, 3, 3]))"""

AF_WIDER = """\
cnn_wide = train("cnn_wide", alexnet(filters=[32, 64, 128], kernels=[5, 3, 3]))"""

AF_DEEPER = """\
cnn_deep = train("cnn_deep", alexnet(filters=[16, 32, 64, 64], kernels=[7, 5, 3, 3]))"""

AF_DENSE = """\
dense = train("dense", keras.Sequential([keras.Input((28, 28)), layers.Rescaling(1 / 255), layers.Flatten(),
                                         layers.Dense(128, activation="relu"),
                                         layers.Dense(10, activation="softmax")]))"""

AF_TABLE = """\
accuracy_table = pd.DataFrame(rows)
print(accuracy_table.to_string(index=False))"""

AF_PREDICT = """\
cnn_rows = accuracy_table[accuracy_table["model"] != "dense"]
best_cnn = models[cnn_rows.loc[cnn_rows["test_accuracy"].idxmax(), "model"]]


def predict(images):
    \"\"\"uint8 images (n, 28, 28) -> the best CNN's predicted classes (n,).\"\"\"
    return best_cnn.predict(images, verbose=0).argmax(axis=1)


def dense_predict(images):
    \"\"\"uint8 images (n, 28, 28) -> the dense baseline's predicted classes (n,).\"\"\"
    return dense.predict(images, verbose=0).argmax(axis=1)"""

REFERENCE = [
    ("intro", "md", AF_INTRO),
    ("params", "params", AF_PARAMS),
    ("imports", "code", AF_IMPORTS),
    ("data", "code", AF_DATA),
    ("training", "code", AF_TRAINING),
    ("alexnet", "code", AF_ALEXNET),
    ("cnn", "code", AF_CNN),
    ("wider", "code", AF_WIDER),
    ("deeper", "code", AF_DEEPER),
    ("dense", "code", AF_DENSE),
    ("table", "code", AF_TABLE),
    ("predict", "code", AF_PREDICT),
]

TODO = "# TODO: see README.md\n"
STARTER = {
    "alexnet": TODO + "def alexnet(filters, kernels):\n    ...",
    "cnn": TODO + "cnn = ...",
    "wider": TODO + "cnn_wide = ...",
    "deeper": TODO + "cnn_deep = ...",
    "dense": TODO + "dense = ...",
    "table": TODO + "accuracy_table = ...",
    "predict": TODO + "def predict(images):\n    ...\n\n\ndef dense_predict(images):\n    ...",
}

KNOWN_WRONG = {
    # 3x3, then 5x5 kernels: they grow instead of shrinking
    "kernels_grow": (["shrinking-kernels"], {"cnn": edit(AF_CNN, "kernels=[5, 3, 3]", "kernels=[3, 3, 5]")}),
    # more filters in the last block only, fewer in the first: not wider block by block
    "wide_not_wider": (["wider"], {"wider": edit(AF_WIDER, "filters=[32, 64, 128]", "filters=[8, 64, 192]")}),
    # a bigger kernel is not another block
    "deep_not_deeper": (["deeper"], {"deeper": edit(AF_DEEPER, "filters=[16, 32, 64, 64], kernels=[7, 5, 3, 3]",
                                                    "filters=[16, 32, 64], kernels=[7, 5, 3]")}),
    # predict answers with the dense net: the "best CNN" is no better than the baseline
    "predict_with_dense": (["cnn-beats-dense"], {"predict": edit(AF_PREDICT, "return best_cnn.predict",
                                                                 "return dense.predict")}),
}

EXAMPLES = {
    "good": {},
    "table_without_params": {"training": edit(AF_TRAINING, '"params": model.count_params(), ', "")},
    "unfinished": STARTER,
}


def make() -> None:
    make_lab("alexnet-fashion", REFERENCE, STARTER, KNOWN_WRONG, EXAMPLES)
