"""housing-tf (TensorFlow/Keras, course 003 lesson 3): regression on Boston housing; 10-15
variants differing in layers, widths, activations, optimizers, losses and metrics, collected in
one results table whose best row the grader re-evaluates."""

from __future__ import annotations

from labkit import edit, make_lab

HT_INTRO = """\
# Lesson 3: regression on Boston housing with TensorFlow (Keras)

- a dense network that predicts a district's median house price (k$) from 13 features;
- 10 to 15 variants that change the number of layers, the widths, the activations, the
  optimizer, the loss and the metric;
- every variant's test MAE in one pandas table, and the best variant's `predict`;
- conclusions, and two or three useful TensorFlow commands not covered in the lesson.

The exact contract is in README.md."""

HT_PARAMS = """\
EPOCHS = 100  # training epochs per variant; the grader sets EPOCHS = 15 when it grades"""

HT_IMPORTS = """\
import numpy as np
import pandas as pd
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(0)"""

HT_DATA = """\
(x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
# standardise with the training set's statistics only: the test rows must not leak into them
mean, std = x_train.mean(axis=0), x_train.std(axis=0)
print(x_train.shape, x_test.shape, "mean price:", y_train.mean().round(1))"""

HT_HELPERS = """\
def build(hidden, activation):
    \"\"\"Raw features (13,) -> standardised with the training mean and std -> a Dense(width,
    activation) layer per hidden width -> Dense(1), the price. The scaling is the model's first
    layer, so every model takes raw rows like x_test.\"\"\"
    return keras.Sequential([keras.Input((13,)), layers.Normalization(mean=mean, variance=std ** 2),
                             *[layers.Dense(width, activation=activation) for width in hidden],
                             layers.Dense(1)])"""

HT_VARIANTS = """\
# name, hidden widths, activation, optimizer, loss, metric
VARIANTS = [
    ("linear", [], "linear", keras.optimizers.SGD(0.01), "mse", "mae"),
    ("relu 16", [16], "relu", keras.optimizers.Adam(0.01), "mse", "mae"),
    ("relu 64", [64], "relu", keras.optimizers.Adam(0.01), "mse", "mae"),
    ("relu 64-64", [64, 64], "relu", keras.optimizers.Adam(0.01), "mse", "mae"),
    ("relu 64-64-64", [64, 64, 64], "relu", keras.optimizers.Adam(0.01), "mse", "mae"),
    ("tanh 64-64", [64, 64], "tanh", keras.optimizers.Adam(0.01), "mse", "mae"),
    ("elu 64-64", [64, 64], "elu", keras.optimizers.Adam(0.01), "mse", "mae"),
    ("relu 64-64 sgd", [64, 64], "relu", keras.optimizers.SGD(0.01), "mse", "mae"),
    ("relu 64-64 rmsprop", [64, 64], "relu", keras.optimizers.RMSprop(), "mse", "mae"),
    ("relu 64-64 mae loss", [64, 64], "relu", keras.optimizers.Adam(0.01), "mae", "mse"),
    ("relu 64-64 huber", [64, 64], "relu", keras.optimizers.Adam(0.01), "huber", "root_mean_squared_error"),
    ("relu 64-64 log-cosh", [64, 64], "relu", keras.optimizers.Adam(0.01), "log_cosh", "mape"),
]"""

HT_TRAIN = """\
models, rows = {}, []
for name, hidden, activation, optimizer, loss, metric in VARIANTS:
    model = build(hidden, activation)
    model.compile(optimizer=optimizer, loss=loss, metrics=[metric])
    model.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, verbose=0)
    models[name] = model
    test_mae = float(np.mean(np.abs(np.asarray(model(x_test))[:, 0] - y_test)))
    rows.append({"name": name, "hidden_layers": len(hidden), "width": max(hidden, default=0),
                 "activation": activation, "optimizer": type(optimizer).__name__, "loss": loss, "metric": metric,
                 "mae": test_mae})"""

HT_TABLE = """\
results = pd.DataFrame(rows).sort_values("mae", ignore_index=True)
print(results.to_string(index=False))"""

HT_PREDICT = """\
best_model = models[results["name"][0]]


def predict(features):
    \"\"\"Raw feature rows (n, 13), like x_test -> predicted prices (n,) in k$.\"\"\"
    return best_model.predict(features, verbose=0)[:, 0]


print("best:", results["name"][0], "test MAE:", round(float(np.mean(np.abs(predict(x_test) - y_test))), 3))"""

HT_CONCLUSIONS = """\
## Conclusions

- Standardising the features (with the training set's mean and std) is what makes every variant
  train: on raw features the columns in the hundreds (TAX, B) swamp the rest, the error doubles
  and SGD diverges.
- One hidden layer already beats the linear model; two or three layers of 64 units help a little
  more. relu, elu and tanh end close together.
- Adam with a learning rate of 0.01 reaches the lowest error in few epochs; SGD and RMSprop (at
  its default rate) need more. Training on MAE, Huber or log-cosh instead of MSE changes the
  error little; the compiled metric only changes what is reported during training.

## Useful TensorFlow commands not covered in the lesson

- `keras.layers.Normalization(mean=..., variance=...)` (or `.adapt(x_train)`): the scaling
  becomes part of the model, so the saved model takes raw features.
- `keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)`:
  stops training when the validation loss stops improving.
- `tf.data.Dataset.from_tensor_slices((x, y)).shuffle(512).batch(32).prefetch(tf.data.AUTOTUNE)`:
  an input pipeline that overlaps data preparation with training."""

HT_REFERENCE = [
    ("intro", "md", HT_INTRO), ("parameters", "params", HT_PARAMS), ("imports", "code", HT_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", HT_DATA),
    ("models-md", "md", "## Variants"), ("helpers", "code", HT_HELPERS), ("variants", "code", HT_VARIANTS),
    ("train", "code", HT_TRAIN), ("table", "code", HT_TABLE), ("predict", "code", HT_PREDICT),
    ("conclusions", "md", HT_CONCLUSIONS),
]

HT_STARTER = {
    "helpers": """\
# TODO: a function that builds a Keras model for one variant. Every model must take raw feature
# rows like x_test: standardise inside it, e.g. with a first layers.Normalization(mean=mean,
# variance=std ** 2) layer built from the training set's statistics.""",
    "variants": """\
# TODO: 10 to 15 variants that differ in the number of hidden layers, the width, the activation,
# the optimizer, the loss and the metric
VARIANTS = []""",
    "train": """\
# TODO: compile and fit each variant (EPOCHS epochs); models[name] = the trained model;
# rows: one dict per variant with its settings and its MAE on x_test
models, rows = {}, []""",
    "table": """\
# TODO: results = pd.DataFrame(rows) with the columns name, hidden_layers, width, activation,
# optimizer, loss, metric, mae
results = None""",
    "predict": '''\
best_model = None  # TODO: the variant with the lowest test MAE


def predict(features):
    """Raw feature rows (n, 13), like x_test -> predicted prices (n,) in k$."""
    raise NotImplementedError("TODO: predict with your best model")''',
    "conclusions": """\
## Conclusions

TODO: what result did you reach, and what helped to improve it?

## Useful TensorFlow commands not covered in the lesson

TODO: two or three, with a sentence each.""",
}

# six variants, which still vary every setting
DROPPED = ("relu 64", "elu 64-64", "relu 64-64 sgd", "relu 64-64 rmsprop", "relu 64-64 mae loss", "relu 64-64 huber")
SIX_VARIANTS = "\n".join(line for line in HT_VARIANTS.splitlines() if not line.lstrip().startswith(
    tuple(f'("{name}",' for name in DROPPED)))

HT_KNOWN_WRONG = {
    "six_variants": (["variants"], {"variants": SIX_VARIANTS}),
    # every variant compiled with Adam and MSE: only layers, widths, activations and metrics differ
    "one_optimizer_and_loss": (["settings-varied"], {
        "train": edit(HT_TRAIN, "for name, hidden, activation, optimizer, loss, metric in VARIANTS:",
                      "for name, hidden, activation, _, _, metric in VARIANTS:\n"
                      "    optimizer, loss = keras.optimizers.Adam(0.01), \"mse\""),
    }),
    # the best MAE typed in from memory instead of measured: the model does not reach it
    "typed_best_mae": (["best-row-measured"], {
        "table": edit(HT_TABLE, 'print(results', 'results.loc[0, "mae"] = 1.5  # from an earlier run\nprint(results'),
    }),
    # raw features: the large-valued columns swamp the rest and no variant learns the price well
    "unscaled_features": (["mae-public", "mae-hidden"], {
        "helpers": edit(HT_HELPERS, "layers.Normalization(mean=mean, variance=std ** 2),\n                             ", ""),
    }),
}

HT_EXAMPLES = {
    "anna_good": None,
    "boris_typed_mae": HT_KNOWN_WRONG["typed_best_mae"][1],
    "vera_unscaled": HT_KNOWN_WRONG["unscaled_features"][1],
}

# --------------------------------------------------------------------------------------------


def make() -> None:
    make_lab("housing-tf", HT_REFERENCE, HT_STARTER, HT_KNOWN_WRONG, HT_EXAMPLES)
