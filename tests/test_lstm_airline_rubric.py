"""The lstm-airline rubric's expected hidden states are a real Keras LSTM's: recompute each case
with keras.layers.LSTM (same weights, zero initial state) so the rubric cannot drift from Keras.
The cases were written into the rubric by `rubric_cases()` below."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from conftest import REPO

RUBRIC = REPO / "rubrics" / "lstm-airline.yaml"
FORWARD_CHECKS = ("lstm-forward", "lstm-forward-hidden")


def keras_hidden_states(x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray,
                        bias: np.ndarray) -> np.ndarray:
    """Every hidden state (timesteps, units) of keras.layers.LSTM over one sequence x (timesteps, features)."""
    keras = pytest.importorskip("keras")
    layer = keras.layers.LSTM(recurrent_kernel.shape[0], return_sequences=True)
    layer.build((1, *x.shape))
    layer.set_weights([kernel, recurrent_kernel, bias])
    return np.asarray(layer(x[None].astype("float32")))[0]


def rubric_cases(seed: int, timesteps: int, features: int, units: int) -> dict:
    """One `function` case for the rubric: short decimals in, Keras's hidden states out."""
    rng = np.random.default_rng(seed)
    args = [np.round(rng.normal(0, scale, shape), 2) for scale, shape in
            ((1.0, (timesteps, features)), (0.6, (features, 4 * units)), (0.6, (units, 4 * units)), (0.3, (4 * units,)))]
    expected = keras_hidden_states(*args).astype(np.float64)
    return {"args": [{"array": a.tolist()} for a in args], "expected": np.round(expected, 7).tolist()}


def forward_cases() -> list[dict]:
    checks = yaml.safe_load(RUBRIC.read_text())["checks"]
    return [case for check in checks if check["id"] in FORWARD_CHECKS for case in check["params"]["cases"]]


def test_the_rubric_has_forward_cases_in_public_and_hidden_checks() -> None:
    assert len(forward_cases()) >= 3


@pytest.mark.parametrize("case", forward_cases(), ids=lambda case: f"{len(case['expected'])}-steps")
def test_expected_states_are_keras_lstm_states(case: dict) -> None:
    x, kernel, recurrent_kernel, bias = (np.asarray(arg["array"], dtype=np.float64) for arg in case["args"])
    assert np.allclose(case["expected"], keras_hidden_states(x, kernel, recurrent_kernel, bias), atol=1e-6)


def test_swapped_gates_would_not_match() -> None:
    """The check can fail: the same case with Keras's cell and output gates swapped differs."""
    case = forward_cases()[0]
    x, kernel, recurrent_kernel, bias = (np.asarray(arg["array"], dtype=np.float64) for arg in case["args"])
    swap = lambda w: np.concatenate([np.split(w, 4, axis=-1)[k] for k in (0, 1, 3, 2)], axis=-1)  # noqa: E731
    assert not np.allclose(case["expected"], keras_hidden_states(x, swap(kernel), swap(recurrent_kernel), swap(bias)),
                           atol=1e-3)
