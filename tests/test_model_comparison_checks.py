"""Checks the Fashion-MNIST labs need: assertions across several real Keras models (parameter
band, wider, deeper), shrinking kernel sizes, a model that must beat a baseline by a margin,
and a per-class report compared with the host's own computation from the student's predictions."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from architecture_support import describe
from conftest import import_keras
from grader.checks.architecture import ArchitectureParams, group_verdicts
from grader.checks.base import Evidence, HostData
from grader.checks.metric import Metric, MetricParams
from grader.observations import Observations
from grader.probe.jsonvalues import encode
from grader.spec.rubric import Check

# keras is imported when this module's first test runs (`keras_modules`), not when pytest collects
# the file: collection, on every run whatever it selects, must not pay for importing TensorFlow.
keras = layers = None


@pytest.fixture(scope="module", autouse=True)
def keras_modules() -> None:
    global keras, layers
    keras = import_keras()
    layers = keras.layers


def dense_net(widths: list[int]):
    return keras.Sequential([keras.Input((784,)), *[layers.Dense(w, activation="relu") for w in widths],
                             layers.Dense(10)])


def conv_net(filters: list[int], kernels: list[int]):
    blocks = [item for f, k in zip(filters, kernels)
              for item in (layers.Conv2D(f, k, padding="same", activation="relu"), layers.MaxPooling2D())]
    return keras.Sequential([keras.Input((28, 28, 1)), *blocks, layers.Flatten(), layers.Dense(10)])


def group(expect: dict, **models) -> bool:
    params = ArchitectureParams.model_validate({"models": list(models), "expect": [expect]})
    described = [(name, describe(model)) for name, model in models.items()]
    return all(v.passed for item in params.expect for v in group_verdicts(item, described))


def test_parameter_band_compares_trainable_counts() -> None:
    similar = {"two": dense_net([60]), "three": dense_net([56, 40])}  # 47,710 and 46,650 parameters
    assert group({"parameter_band": {"max_ratio": 1.2}}, **similar)
    assert not group({"parameter_band": {"max_ratio": 1.2}}, two=dense_net([60]), three=dense_net([8, 8]))


def test_wider_and_deeper_variants() -> None:
    base = conv_net([8, 16], [5, 3])
    assert group({"wider": {"kind": "conv2d"}}, base=base, wide=conv_net([16, 32], [5, 3]))
    assert not group({"wider": {"kind": "conv2d"}}, base=base, wide=conv_net([8, 16], [5, 3]))
    assert not group({"wider": {"kind": "conv2d"}}, base=base, wide=conv_net([16, 32, 32], [5, 3, 3]))
    assert group({"deeper": {"kind": "conv2d"}}, base=base, deep=conv_net([8, 16, 16], [5, 3, 3]))
    assert not group({"deeper": {"kind": "conv2d"}}, base=base, deep=conv_net([16, 32], [5, 3]))


def test_per_model_assertions_name_their_model() -> None:
    params = ArchitectureParams.model_validate({"models": ["a", "b"], "expect": [{"optimizer": {"any_of": ["adam"]}}]})
    first, second = dense_net([8]), dense_net([8])
    first.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    second.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    verdicts = group_verdicts(params.expect[0], [("a", describe(first, namespace={})), ("b", describe(second, namespace={}))])
    assert [v.passed for v in verdicts] == [True, False]
    assert str(verdicts[1].found).startswith("b: SGD")


def test_kernel_sizes_must_shrink() -> None:
    params = ArchitectureParams.model_validate({"expect": [{"kernel_sizes": {"kind": "conv2d"}}]})
    assertion = params.expect[0].assertion
    assert assertion.verdict(describe(conv_net([8, 16, 16], [7, 5, 3]))).passed
    assert assertion.verdict(describe(conv_net([8, 16, 16], [5, 3, 3]))).passed
    growing = assertion.verdict(describe(conv_net([8, 16, 16], [3, 5, 5])))
    assert not growing.passed and "grow" in str(growing.found)
    assert not assertion.verdict(describe(conv_net([8, 16], [3, 3]))).passed


def test_comparisons_need_several_models() -> None:
    with pytest.raises(ValidationError, match="list them in models"):
        ArchitectureParams.model_validate({"expect": [{"deeper": {"kind": "conv2d"}}]})
    with pytest.raises(ValidationError, match="one of model, build and models"):
        ArchitectureParams.model_validate({"model": "m", "models": ["a", "b"], "expect": [{"output_units": 10}]})


LABELS = np.array([0, 0, 1, 1, 2, 2])
PREDICTED = np.array([0, 1, 1, 1, 2, 0])


def metric_outcome(params: dict, probes: dict, labels: np.ndarray = LABELS):
    check = Check.model_validate({"id": "m", "title": "t", "kind": "metric", "points": 1, "params": params})
    observations = Observations.model_validate({
        "schema": 1, "status": "completed", "execution": {"cells": []},
        "probes": {f"m#{number}": result for number, result in probes.items()}, "environment": {}})
    kind = Metric()
    parsed = MetricParams.model_validate(params)
    return kind.evaluate(check, parsed, Evidence(observations, assignment=None, host=HostData(labels={"public": labels})))


def variable(value: np.ndarray) -> dict:
    return {"ok": True, "exists": True, "type": "numpy.ndarray", "value": encode(value)}


def test_reported_confusion_precision_recall_agree_with_the_host() -> None:
    confusion = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    precision, recall = np.array([0.5, 2 / 3, 1.0]), np.array([0.5, 1.0, 0.5])
    params = {"reported": {"confusion_matrix": "cm", "precision": "p", "recall": "r"}, "split": "public",
              "callable": "predict"}
    good = {0: {"ok": True, "value": encode(PREDICTED)}, 2: variable(confusion), 3: variable(precision),
            4: variable(recall)}
    assert metric_outcome(params, good).fraction == 1.0
    transposed = metric_outcome(params, {**good, 2: variable(confusion.T)})
    assert transposed.fraction == pytest.approx(2 / 3) and "transposed" in str(transposed.message)
    swapped = metric_outcome(params, {**good, 3: variable(recall), 4: variable(precision)})
    assert swapped.fraction == pytest.approx(1 / 3)
    missing = metric_outcome(params, {**good, 4: {"ok": True, "exists": False}})
    assert "'r' (recall) is not defined" in str(missing.message)


def test_beats_needs_the_margin_over_the_baseline() -> None:
    params = {"metric": "accuracy", "callable": "cnn_predict", "split": "public",
              "beats": {"callable": "dense_predict", "margin": 0.2}}
    cnn = {"ok": True, "value": encode(LABELS)}
    assert metric_outcome(params, {0: cnn, 1: {"ok": True, "value": encode(PREDICTED)}}).fraction == 1.0
    close = metric_outcome(params, {0: cnn, 1: {"ok": True, "value": encode(np.array([0, 0, 1, 1, 2, 0]))}})
    assert close.fraction == 0.0 and "dense_predict's" in str(close.message)
    broken = metric_outcome(params, {0: cnn, 1: {"ok": False, "error": "ValueError: bad shape"}})
    assert broken.fraction == 0.0 and "dense_predict failed" in str(broken.message)


def test_metric_params_say_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="threshold, beats or both"):
        MetricParams.model_validate({"metric": "accuracy"})
    with pytest.raises(ValidationError, match="give no metric"):
        MetricParams.model_validate({"metric": "accuracy", "threshold": 0.5, "reported": {"recall": "r"}})
