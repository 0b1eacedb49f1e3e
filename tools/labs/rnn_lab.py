"""rnn-lab (Keras, course 000 lab 2): SimpleRNN, LSTM and GRU on IMDB sentiment; the three named
architectures; the accuracy of each model and a comparison table."""

from __future__ import annotations

from labkit import edit, make_lab

RN_INTRO = """\
# Lab 2: recurrent networks (Keras)

Classify movie reviews (IMDB) as positive or negative with recurrent networks:

- architecture 1: `SimpleRNN(tanh) -> Dense(32, relu) -> Dense(1)`, Adam;
- architecture 2: `SimpleRNN(tanh) -> Dense(64, relu) -> Dense(64) -> Dense(32, relu) -> Dense(1)`, RMSprop;
- architecture 3: architecture 1 with an extra `SimpleRNN(relu)` layer, Adam;
- the same task with an `LSTM` and with a `GRU` layer;
- the test accuracy of every model and a table that compares them.

Every model starts with an `Embedding` of the word ids. The exact contract is in README.md."""

RN_PARAMS = """\
EPOCHS = 5  # training epochs per model; the grader sets EPOCHS = 2 when it grades
BATCH_SIZE = 64"""

RN_IMPORTS = """\
import functools

import numpy as np
import pandas as pd
import keras
from keras import layers

keras.utils.set_random_seed(0)"""

RN_DATA = """\
NUM_WORDS = 1000  # keep the 1000 most frequent words
MAXLEN = 40       # pad (or cut) every review to 40 word ids

(x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=NUM_WORDS)
x_train = keras.utils.pad_sequences(x_train, maxlen=MAXLEN)
x_test = keras.utils.pad_sequences(x_test, maxlen=MAXLEN)
print(x_train.shape, x_test.shape, "positive share:", y_train.mean())"""

RN_HELPERS = """\
def recurrent_model(*hidden):
    \"\"\"Word ids (MAXLEN,) -> Embedding -> the given layers -> Dense(1, sigmoid).\"\"\"
    return keras.Sequential([keras.Input((MAXLEN,), dtype="int32"), layers.Embedding(NUM_WORDS, 32),
                             *hidden, layers.Dense(1, activation="sigmoid")])


def train(model, optimizer):
    \"\"\"Compile with the optimizer, fit for EPOCHS epochs, return the test accuracy.\"\"\"
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=0.1, verbose=0)
    return float(model.evaluate(x_test, y_test, verbose=0)[1])


accuracies = {}"""

RN_MODEL_1 = """\
model_1 = recurrent_model(layers.SimpleRNN(32, activation="tanh"), layers.Dense(32, activation="relu"))
accuracies["architecture 1"] = train(model_1, keras.optimizers.Adam())
print("architecture 1:", accuracies["architecture 1"])"""

RN_MODEL_2 = """\
model_2 = recurrent_model(layers.SimpleRNN(32, activation="tanh"), layers.Dense(64, activation="relu"),
                          layers.Dense(64), layers.Dense(32, activation="relu"))
accuracies["architecture 2"] = train(model_2, keras.optimizers.RMSprop())
print("architecture 2:", accuracies["architecture 2"])"""

RN_MODEL_3 = """\
model_3 = recurrent_model(layers.SimpleRNN(32, activation="tanh", return_sequences=True),
                          layers.SimpleRNN(32, activation="relu"), layers.Dense(32, activation="relu"))
accuracies["architecture 3"] = train(model_3, keras.optimizers.Adam())
print("architecture 3:", accuracies["architecture 3"])"""

RN_LSTM = """\
model_lstm = recurrent_model(layers.LSTM(32), layers.Dense(32, activation="relu"))
accuracies["LSTM"] = train(model_lstm, keras.optimizers.Adam())
print("LSTM:", accuracies["LSTM"])"""

RN_GRU = """\
model_gru = recurrent_model(layers.GRU(32), layers.Dense(32, activation="relu"))
accuracies["GRU"] = train(model_gru, keras.optimizers.Adam())
print("GRU:", accuracies["GRU"])"""

RN_TABLE = """\
results = pd.DataFrame({"model": list(accuracies), "accuracy": list(accuracies.values())})
results = results.sort_values("accuracy", ascending=False, ignore_index=True)
print(results.to_string(index=False))"""

RN_PREDICT = """\
def labels(model, sequences):
    \"\"\"Padded word ids (n, MAXLEN), like x_test -> the model's 0/1 labels, an int array (n,).\"\"\"
    return (model.predict(sequences, verbose=0)[:, 0] > 0.5).astype(int)


models = {"architecture 1": model_1, "architecture 2": model_2, "architecture 3": model_3,
          "LSTM": model_lstm, "GRU": model_gru}
# the grader re-evaluates the table's best row with classifiers[its model] on the test reviews
classifiers = {name: functools.partial(labels, model) for name, model in models.items()}
best_model = models[results["model"][0]]


def predict(sequences):
    \"\"\"Padded word ids (n, MAXLEN), like x_test -> 0/1 labels, an int array of shape (n,).\"\"\"
    return labels(best_model, sequences)"""

RN_CONCLUSIONS = """\
## Conclusions

- All five models learn the sentiment within a few epochs; the gated layers (LSTM, GRU) are the
  most stable from one run to another, SimpleRNN the cheapest.
- The extra Dense layers of architecture 2 do not help on short reviews; RMSprop trains it as fast
  as Adam trains architecture 1.
- The stacked SimpleRNN of architecture 3 needs `return_sequences=True` on the first layer."""

RN_REFERENCE = [
    ("intro", "md", RN_INTRO), ("parameters", "params", RN_PARAMS), ("imports", "code", RN_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", RN_DATA),
    ("models-md", "md", "## Models"), ("helpers", "code", RN_HELPERS),
    ("model-1", "code", RN_MODEL_1), ("model-2", "code", RN_MODEL_2), ("model-3", "code", RN_MODEL_3),
    ("lstm", "code", RN_LSTM), ("gru", "code", RN_GRU),
    ("compare-md", "md", "## Comparison"), ("table", "code", RN_TABLE), ("predict", "code", RN_PREDICT),
    ("conclusions", "md", RN_CONCLUSIONS),
]

RN_STARTER = {
    "model-1": """\
# TODO architecture 1: SimpleRNN(tanh) -> Dense(32, relu) -> Dense(1), trained with Adam
model_1 = None""",
    "model-2": """\
# TODO architecture 2: SimpleRNN(tanh) -> Dense(64, relu) -> Dense(64) -> Dense(32, relu) -> Dense(1),
# trained with RMSprop
model_2 = None""",
    "model-3": """\
# TODO architecture 3: architecture 1 with an extra SimpleRNN(relu) layer, trained with Adam
model_3 = None""",
    "lstm": "# TODO: the same task with an LSTM layer\nmodel_lstm = None",
    "gru": "# TODO: the same task with a GRU layer\nmodel_gru = None",
    "table": """\
# TODO: results = a pandas DataFrame with one row per model and the columns "model" and "accuracy"
results = None""",
    "predict": '''\
# TODO: classifiers = a dict: each model name in results -> a function from padded word ids to 0/1 labels
classifiers = {}


def predict(sequences):
    """Padded word ids (n, MAXLEN), like x_test -> 0/1 labels, an int array of shape (n,)."""
    raise NotImplementedError("TODO: predict with your best model")''',
    "conclusions": "## Conclusions\n\nTODO: which architecture worked best, and why?",
}

RN_KNOWN_WRONG = {
    "architecture_2_with_adam": (["architecture-2"], {
        "model-2": edit(RN_MODEL_2, "keras.optimizers.RMSprop()", "keras.optimizers.Adam()"),
    }),
    # architecture 1 again: the relu SimpleRNN is missing
    "architecture_3_without_relu_rnn": (["architecture-3"], {
        "model-3": edit(RN_MODEL_3, """model_3 = recurrent_model(layers.SimpleRNN(32, activation="tanh", return_sequences=True),
                          layers.SimpleRNN(32, activation="relu"), layers.Dense(32, activation="relu"))""",
                        """model_3 = recurrent_model(layers.SimpleRNN(32, activation="tanh"), layers.Dense(32, activation="relu"))"""),
    }),
    # accuracies copied from the lecture's run on the real IMDB instead of measured
    "typed_accuracies": (["accuracy-measured"], {
        "table": edit(RN_TABLE, 'results = pd.DataFrame({"model": list(accuracies), "accuracy": list(accuracies.values())})',
                      'results = pd.DataFrame({"model": list(accuracies), "accuracy": [0.81, 0.79, 0.8, 0.84, 0.85]})'),
    }),
    # four rows in the table, no GRU model
    "no_gru": (["gru-model", "comparison-table"], {
        "gru": "",
        "predict": edit(RN_PREDICT, ',\n          "LSTM": model_lstm, "GRU": model_gru}', ',\n          "LSTM": model_lstm}'),
    }),
}

RN_EXAMPLES = {
    "alina_good": None,
    "boris_dense64": {"model-1": edit(RN_MODEL_1, "layers.Dense(32, ", "layers.Dense(64, ")},
    "clara_no_gru": RN_KNOWN_WRONG["no_gru"][1],
}

# --------------------------------------------------------------------------------------------


def make() -> None:
    make_lab("rnn-lab", RN_REFERENCE, RN_STARTER, RN_KNOWN_WRONG, RN_EXAMPLES)
