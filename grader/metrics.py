"""Metrics the host computes from a student's predictions and labels that never left the host."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader.i18n import N_, Param, Text

CLASSIFICATION = {"accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro"}
REGRESSION = {"mse", "rmse", "mae", "r2"}
SEGMENTATION = {"iou", "dice"}
LOWER_IS_BETTER = {"mse", "rmse", "mae"}


def sk():  # noqa: ANN201 - sklearn.metrics
    """scikit-learn's metrics, imported when a metric is first computed: importing sklearn (and
    scipy with it) costs about 1.5 s of CPU, which every `grader` command paid at start-up."""
    from sklearn import metrics

    return metrics


class BadPredictions(ValueError):
    """Predictions that cannot be scored; the message (`text`, translatable) is written for the student."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def compute(metric: str, labels: np.ndarray, predictions: np.ndarray) -> float:
    prepared = prepare_predictions(metric, labels, predictions)
    return float(_FUNCTIONS[metric](labels, prepared))


def prepare_predictions(metric: str, labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Bring predictions to the labels' form, or say clearly why they cannot be."""
    predictions = np.asarray(predictions)
    if predictions.dtype.kind not in "biuf":
        raise BadPredictions(N_("predictions have dtype {dtype}; expected numbers", dtype=str(predictions.dtype)))
    if predictions.ndim == 0 or len(predictions) != len(labels):
        count = 1 if predictions.ndim == 0 else len(predictions)
        raise BadPredictions(N_("{count} predictions for {inputs} inputs", count=count, inputs=len(labels)))
    if predictions.dtype.kind == "f" and not np.isfinite(predictions).all():
        raise BadPredictions(N_("predictions contain NaN or infinity"))
    if metric in CLASSIFICATION:
        if predictions.ndim == 2 and predictions.shape[1] > 1:
            predictions = predictions.argmax(axis=1)  # scores or probabilities per class
        predictions = predictions.reshape(len(labels), -1)
        if predictions.shape[1] != 1:
            raise BadPredictions(N_("predictions have shape {shape}; expected one label per input",
                                    shape=str(list(predictions.shape))))
        predictions = predictions[:, 0]
        if predictions.dtype.kind == "f" and not np.allclose(predictions, np.round(predictions)):
            raise BadPredictions(N_("predictions are fractions; expected class labels (or one score per class)"))
        return predictions.astype(np.int64)
    if metric in REGRESSION:
        if predictions.size != labels.size:
            raise BadPredictions(N_("predictions have shape {shape}; expected {expected}",
                                    shape=str(list(predictions.shape)), expected=str(list(labels.shape))))
        return predictions.reshape(labels.shape).astype(float)
    if predictions.shape != labels.shape:
        extra_axis = predictions.ndim == labels.ndim + 1 and predictions.shape[1] == 1
        squeezed = predictions.squeeze(axis=1) if extra_axis else predictions
        if squeezed.shape != labels.shape:
            raise BadPredictions(N_("masks have shape {shape}; expected {expected}", shape=str(list(predictions.shape)),
                                    expected=str(list(labels.shape))))
        predictions = squeezed
    if not np.isin(predictions, (0, 1)).all():
        example = predictions[~np.isin(predictions, (0, 1))].flat[0]
        raise BadPredictions(N_("masks hold values other than 0 and 1 (e.g. {example:.4g}); return binary masks: "
                                "threshold probabilities (p > 0.5) or logits (> 0)", example=float(example)))
    return predictions.astype(bool)


def foreign_class_ids(labels: np.ndarray, predictions: np.ndarray) -> Text | None:
    """'predictions contain class ids outside the 10 classes (e.g. 512, 873)': a model whose
    output layer has more units than the task has classes (a pretrained 1,000-class head kept)
    predicts ids no label has; None when every predicted id lies within the labels' range."""
    try:
        predicted = prepare_predictions("accuracy", labels, predictions)
    except BadPredictions:
        return None
    known = np.unique(labels)
    if known.dtype.kind not in "iu" or not len(known):
        return None
    outside = predicted[(predicted < known.min()) | (predicted > known.max())]
    if not outside.size:
        return None
    ids, counts = np.unique(outside, return_counts=True)
    shown = ", ".join(str(int(i)) for i in ids[np.argsort(-counts, kind="stable")][:3])
    scores = np.asarray(predictions).shape[1] if np.ndim(predictions) == 2 else None
    where: dict[str, Param] = {"classes": len(known), "low": int(known.min()), "high": int(known.max()),
                               "shown": shown}
    if scores and scores > known.max() + 1:
        return N_("predictions contain class ids outside the {classes} classes {low}-{high} (e.g. {shown}); the model "
                  "gives {scores:,} scores per input: the output layer needs one unit per class", scores=scores,
                  **where)
    return N_("predictions contain class ids outside the {classes} classes {low}-{high} (e.g. {shown}): the output "
              "layer needs one unit per class", **where)


def _mask_overlap(kind: str) -> Callable[[np.ndarray, np.ndarray], float]:
    def overlap(labels: np.ndarray, masks: np.ndarray) -> float:
        truth = labels.astype(bool).reshape(len(labels), -1)
        guess = masks.astype(bool).reshape(len(masks), -1)
        both = (truth & guess).sum(axis=1)
        either = (truth | guess).sum(axis=1)
        total = truth.sum(axis=1) + guess.sum(axis=1)
        score = both / np.maximum(either, 1) if kind == "iou" else 2 * both / np.maximum(total, 1)
        return float(np.where(either == 0, 1.0, score).mean())
    return overlap


_FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": lambda y, p: sk().accuracy_score(y, p),
    "f1_macro": lambda y, p: sk().f1_score(y, p, average="macro"),
    "f1_weighted": lambda y, p: sk().f1_score(y, p, average="weighted"),
    "precision_macro": lambda y, p: sk().precision_score(y, p, average="macro", zero_division=0),
    "recall_macro": lambda y, p: sk().recall_score(y, p, average="macro", zero_division=0),
    "mse": lambda y, p: sk().mean_squared_error(y, p),
    "rmse": lambda y, p: float(np.sqrt(sk().mean_squared_error(y, p))),
    "mae": lambda y, p: sk().mean_absolute_error(y, p),
    "r2": lambda y, p: sk().r2_score(y, p),
    "iou": _mask_overlap("iou"),
    "dice": _mask_overlap("dice"),
}
METRICS = sorted(_FUNCTIONS)
