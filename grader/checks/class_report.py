"""The per-class report a student computed (confusion matrix, precision, recall), compared with
the host's own scikit-learn computation from the same student's predictions, so a report that
was copied, transposed or computed on other data is caught without the labels leaving the host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from grader.checks.base import short
from grader.i18n import N_, Text
from grader.metrics import prepare_predictions, sk

Quantity = Literal["confusion_matrix", "precision", "recall"]

_COMPUTE: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "confusion_matrix": lambda y, p, classes: sk().confusion_matrix(y, p, labels=classes),
    "precision": lambda y, p, classes: sk().precision_score(y, p, labels=classes, average=None, zero_division=0),
    "recall": lambda y, p, classes: sk().recall_score(y, p, labels=classes, average=None, zero_division=0),
}


def host_report(labels: np.ndarray, predictions: np.ndarray) -> dict[str, np.ndarray]:
    """Each quantity over every class that occurs in the labels or the predictions; rows of the
    confusion matrix are true classes, columns predicted ones (scikit-learn's convention)."""
    predicted = prepare_predictions("accuracy", labels, predictions)
    classes = np.union1d(np.unique(labels), np.unique(predicted))
    return {name: compute(labels, predicted, classes) for name, compute in _COMPUTE.items()}


def compare(quantity: str, reported: Any, expected: np.ndarray, atol: float) -> Text | None:
    """None when the student's value agrees with the host's within atol, else what is wrong."""
    try:
        got = np.asarray(reported, dtype=float)
    except (TypeError, ValueError):
        return N_("is a {type}, not numbers", type=type(reported).__name__)
    if got.shape != expected.shape:
        return N_("has shape {shape}; expected {expected}, one entry per class", shape=str(list(got.shape)),
                  expected=str(list(expected.shape)))
    if np.isnan(got).any():
        return N_("contains NaN")
    if np.allclose(got, expected, atol=atol, rtol=0):
        return None
    if quantity == "confusion_matrix" and np.allclose(got, expected.T, atol=atol, rtol=0):
        return N_("is transposed: rows must be the true classes and columns the predicted ones")
    return N_("is {found}, but your predictions give {expected}", found=short(got), expected=short(expected))
