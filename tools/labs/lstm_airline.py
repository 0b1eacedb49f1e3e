"""lstm-airline (Keras, course 003 lesson 5): an LSTM forecasts the airline passengers one month
ahead; a numpy LSTM forward pass with Keras's weight layout."""

from __future__ import annotations

from labkit import edit, make_lab

LA_INTRO = """\
# Lesson 5: forecasting airline passengers with an LSTM (Keras)

- train an `LSTM` that forecasts the monthly number of airline passengers one month ahead;
- `predict(histories)`: for each row of 120 past months, the forecast of the next month;
- `lstm_forward(x, kernel, recurrent_kernel, bias)`: the LSTM's forward pass in numpy, with the
  weights of a Keras `LSTM` layer, checked against the trained layer.

The exact contract is in README.md."""

LA_PARAMS = """\
EPOCHS = 100  # training epochs; the grader sets EPOCHS = 30 when it grades
BATCH_SIZE = 16"""

LA_IMPORTS = """\
import numpy as np
import pandas as pd
import keras
from keras import layers

keras.utils.set_random_seed(0)"""

LA_DATA = """\
series = pd.read_csv("airline-passengers.csv")["Passengers"].to_numpy(dtype="float64")
print(len(series), "months, from", series[0], "to", series[-1], "thousand passengers")

WINDOW = 13  # the model sees the last 13 months: the same month a year ago and everything since


def to_inputs(histories):
    \"\"\"Past months (n, >= WINDOW) -> (log of the last WINDOW months relative to the last one
    (n, WINDOW, 1), log of the last month (n,)); the model forecasts the next month's log change.\"\"\"
    tail = np.log(np.asarray(histories, dtype="float64")[:, -WINDOW:])
    return (tail - tail[:, -1:])[..., None].astype("float32"), tail[:, -1]


histories = np.stack([series[t - WINDOW:t] for t in range(WINDOW, len(series))])
x_train, last_log = to_inputs(histories)
y_train = (np.log(series[WINDOW:]) - last_log).astype("float32")
print(x_train.shape, y_train.shape)"""

LA_MODEL = """\
model = keras.Sequential([keras.Input((WINDOW, 1)), layers.LSTM(16), layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
print("train loss:", model.evaluate(x_train, y_train, verbose=0))"""

LA_PREDICT = """\
def predict(histories):
    \"\"\"Rows of 120 past months (n, 120) -> the forecast of the next month, shape (n,).\"\"\"
    inputs, last = to_inputs(histories)
    return np.exp(last + model.predict(inputs, verbose=0)[:, 0])


last_year = np.stack([series[t - 120:t] for t in range(len(series) - 12, len(series))])
rmse = float(np.sqrt(np.mean((predict(last_year) - series[-12:]) ** 2)))
print(f"RMSE on the last 12 months: {rmse:.1f}")"""

LA_FORWARD = '''\
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_forward(x, kernel, recurrent_kernel, bias):
    """Hidden states (timesteps, units) of an LSTM over x (timesteps, features), Keras's layout:
    kernel (features, 4 * units), recurrent_kernel (units, 4 * units), bias (4 * units,), the gate
    blocks in the order i, f, c, o; h and c start at zero."""
    units = recurrent_kernel.shape[0]
    h, c = np.zeros(units), np.zeros(units)
    states = []
    for x_t in x:
        i, f, g, o = np.split(x_t @ kernel + h @ recurrent_kernel + bias, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        states.append(h)
    return np.stack(states)'''

LA_COMPARE = """\
lstm_layer = model.layers[0]
keras_states = keras.Sequential([keras.Input((WINDOW, 1)), layers.LSTM(16, return_sequences=True)])
keras_states.layers[0].set_weights(lstm_layer.get_weights())
ours = lstm_forward(x_train[0].astype("float64"), *lstm_layer.get_weights())
print("max difference from Keras:", np.abs(ours - keras_states.predict(x_train[:1], verbose=0)[0]).max())"""

LA_CONCLUSIONS = """\
## Conclusions

- Forecasting the log change relative to the last month, from the last 13 months, lets a small
  LSTM learn both the growth and the yearly season in a few dozen epochs.
- The numpy forward pass agrees with Keras's LSTM to float32 precision once the gate blocks are
  taken in Keras's order i, f, c, o."""

LA_REFERENCE = [
    ("intro", "md", LA_INTRO), ("parameters", "params", LA_PARAMS), ("imports", "code", LA_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", LA_DATA),
    ("model-md", "md", "## The forecaster"), ("model", "code", LA_MODEL), ("predict", "code", LA_PREDICT),
    ("forward-md", "md", "## The LSTM forward pass in numpy"), ("forward", "code", LA_FORWARD),
    ("compare", "code", LA_COMPARE), ("conclusions", "md", LA_CONCLUSIONS),
]

LA_STARTER = {
    "model": """\
# TODO: model = a compiled Keras model with an LSTM layer, trained for EPOCHS epochs on x_train, y_train
model = None""",
    "predict": '''\
def predict(histories):
    """Rows of 120 past months (n, 120) -> the forecast of the next month, shape (n,)."""
    raise NotImplementedError("TODO: forecast with your model")''',
    "forward": '''\
def lstm_forward(x, kernel, recurrent_kernel, bias):
    """Hidden states (timesteps, units) of an LSTM over x (timesteps, features), Keras's layout:
    kernel (features, 4 * units), recurrent_kernel (units, 4 * units), bias (4 * units,), the gate
    blocks in the order i, f, c, o; h and c start at zero."""
    raise NotImplementedError("TODO: the LSTM forward pass in numpy")''',
    "conclusions": "## Conclusions\n\nTODO: how well does the forecaster do, and what did it need?",
}

LA_KNOWN_WRONG = {
    # the cell candidate and output blocks swapped: i, f, o, c
    "gates_in_wrong_order": (["lstm-forward", "lstm-forward-hidden"], {
        "forward": edit(LA_FORWARD, "i, f, g, o = np.split", "i, f, o, g = np.split"),
    }),
    # every row gets the forecast made from the training series' end, whatever the history
    "predict_ignores_history": (["rmse-public", "rmse-hidden"], {
        "predict": edit(LA_PREDICT, "inputs, last = to_inputs(histories)",
                        "inputs, last = to_inputs(np.repeat(series[None], len(histories), axis=0))"),
    }),
    "untrained_model": (["rmse-public", "rmse-hidden"], {
        "model": edit(LA_MODEL, "model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)\n", ""),
    }),
}

LA_EXAMPLES = {
    "anna_good": None,
    "boris_gru": {"model": edit(LA_MODEL, "layers.LSTM(16)", "layers.GRU(16)")},
    "vera_swapped_gates": LA_KNOWN_WRONG["gates_in_wrong_order"][1],
}

# --------------------------------------------------------------------------------------------


def make() -> None:
    make_lab("lstm-airline", LA_REFERENCE, LA_STARTER, LA_KNOWN_WRONG, LA_EXAMPLES)
