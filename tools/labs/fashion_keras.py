"""fashion-keras (Keras, course 003 lesson 2): dense nets on Fashion-MNIST: widths, depths at a
similar parameter budget, three optimizers, train and test accuracy of each, a confusion matrix
and per-class precision and recall."""

from __future__ import annotations

from labkit import edit, make_lab

FK_INTRO = """\
# Lesson 2: dense networks on Fashion-MNIST (Keras)

- two-layer nets of several widths;
- nets of 2, 3, 5 and 10 Dense layers with similar trainable parameter counts;
- one model trained with SGD, Adam and RMSprop;
- train and test accuracy of every model in one table;
- the confusion matrix and per-class precision and recall of your best model.

The exact contract is in README.md."""

FK_PARAMS = """\
EPOCHS = 5           # the grader sets EPOCHS = 1 when it grades
TRAIN_SIZE = 6000    # training images used; the grader sets 2000"""

FK_IMPORTS = """\
import numpy as np
import pandas as pd
import keras
from keras import layers
from sklearn.metrics import confusion_matrix, precision_score, recall_score

keras.utils.set_random_seed(0)"""

FK_DATA = """\
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train, y_train = x_train[:TRAIN_SIZE], y_train[:TRAIN_SIZE]


def prepare(images):
    \"\"\"uint8 images (n, 28, 28) -> float vectors (n, 784) in [0, 1].\"\"\"
    return images.reshape(len(images), -1).astype("float32") / 255


print(x_train.shape, x_test.shape)"""

FK_HELPERS = """\
def dense_model(widths):
    \"\"\"784 inputs -> Dense(w, relu) for each hidden width -> Dense(10, softmax).\"\"\"
    return keras.Sequential([keras.Input((784,)), *[layers.Dense(w, activation="relu") for w in widths],
                             layers.Dense(10, activation="softmax")])


rows = []


def train(name, model, optimizer="adam"):
    \"\"\"Compile, fit for EPOCHS epochs, record train and test accuracy under `name`.\"\"\"
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(prepare(x_train), y_train, epochs=EPOCHS, batch_size=32, verbose=0)
    train_accuracy = model.evaluate(prepare(x_train), y_train, verbose=0)[1]
    test_accuracy = model.evaluate(prepare(x_test), y_test, verbose=0)[1]
    rows.append({"model": name, "train_accuracy": train_accuracy, "test_accuracy": test_accuracy})
    return model"""

FK_WIDTHS = """\
model_narrow = train("width 16", dense_model([16]))
model_wide = train("width 128", dense_model([128]))"""

FK_DEPTHS = """\
# hidden widths chosen so that every net has about 25,000 trainable parameters
model_depth_2 = train("2 layers", dense_model([32]))
model_depth_3 = train("3 layers", dense_model([30, 30]))
model_depth_5 = train("5 layers", dense_model([28] * 4))
model_depth_10 = train("10 layers", dense_model([26] * 9))
for m in (model_depth_2, model_depth_3, model_depth_5, model_depth_10):
    print(len(m.layers), "layers,", m.count_params(), "parameters")"""

FK_OPTIMIZERS = """\
model_sgd = train("SGD", dense_model([64]), keras.optimizers.SGD(learning_rate=0.05))
model_adam = train("Adam", dense_model([64]), keras.optimizers.Adam())
model_rmsprop = train("RMSprop", dense_model([64]), keras.optimizers.RMSprop())"""

FK_TABLE = """\
accuracy_table = pd.DataFrame(rows)
print(accuracy_table.to_string(index=False))"""

FK_REPORT = """\
best_model = model_wide


def predict(images):
    \"\"\"uint8 images (n, 28, 28) -> predicted classes (n,).\"\"\"
    return best_model.predict(prepare(images), verbose=0).argmax(axis=1)


predicted = predict(x_test)
confusion = confusion_matrix(y_test, predicted)
precision = precision_score(y_test, predicted, average=None)
recall = recall_score(y_test, predicted, average=None)
print(confusion)
print("precision", precision.round(3))
print("recall", recall.round(3))"""

REFERENCE = [
    ("intro", "md", FK_INTRO),
    ("params", "params", FK_PARAMS),
    ("imports", "code", FK_IMPORTS),
    ("data", "code", FK_DATA),
    ("helpers", "code", FK_HELPERS),
    ("widths", "code", FK_WIDTHS),
    ("depths", "code", FK_DEPTHS),
    ("optimizers", "code", FK_OPTIMIZERS),
    ("table", "code", FK_TABLE),
    ("report", "code", FK_REPORT),
]

TODO = "# TODO: see README.md\n"
STARTER = {
    "widths": TODO + "model_narrow = ...\nmodel_wide = ...",
    "depths": TODO + "model_depth_2 = model_depth_3 = model_depth_5 = model_depth_10 = ...",
    "optimizers": TODO + "model_sgd = model_adam = model_rmsprop = ...",
    "table": TODO + "accuracy_table = ...",
    "report": TODO + "def predict(images):\n    ...\n\n\nconfusion = precision = recall = ...",
}

DEPTHS_FAR_APART = edit(FK_DEPTHS, 'dense_model([32])', 'dense_model([256])',
                        'dense_model([26] * 9)', 'dense_model([8] * 9)')
ONE_OPTIMIZER = edit(FK_OPTIMIZERS, 'keras.optimizers.SGD(learning_rate=0.05)', 'keras.optimizers.Adam()',
                     'keras.optimizers.RMSprop()', 'keras.optimizers.Adam()')
TRANSPOSED = edit(FK_REPORT, "confusion = confusion_matrix(y_test, predicted)",
                  "confusion = confusion_matrix(predicted, y_test)")

KNOWN_WRONG = {
    "depths_far_apart": (["depth-budget"], {"depths": DEPTHS_FAR_APART}),
    "one_optimizer": (["optimizer-sgd", "optimizer-rmsprop"], {"optimizers": ONE_OPTIMIZER}),
    "confusion_transposed": (["class-report"], {"report": TRANSPOSED}),
}

EXAMPLES = {
    "good": {},
    "swapped_precision_recall": {"report": edit(FK_REPORT, "precision = precision_score", "precision = recall_score",
                                                "recall = recall_score", "recall = precision_score")},
    "unfinished": STARTER,
}


def make() -> None:
    make_lab("fashion-keras", REFERENCE, STARTER, KNOWN_WRONG, EXAMPLES)
