"""Host-side metrics and the clear refusals for predictions that cannot be scored."""

from __future__ import annotations

import numpy as np
import pytest

from grader.metrics import BadPredictions, compute


def test_classification_and_regression_values():
    y = np.array([0, 1, 2, 2])
    assert compute("accuracy", y, np.array([0, 1, 2, 0])) == 0.75
    assert compute("accuracy", y, np.array([0.0, 1.0, 2.0, 2.0])) == 1.0
    assert compute("f1_macro", y, y) == 1.0
    target = np.array([1.0, 2.0, 3.0])
    assert compute("mae", target, np.array([[1.5], [2.0], [3.0]])) == pytest.approx(1 / 6)
    assert compute("rmse", target, target + 1) == pytest.approx(1.0)
    assert compute("r2", target, target) == 1.0


def test_segmentation_overlap():
    masks = np.zeros((2, 4, 4), dtype=np.uint8)
    masks[:, :2] = 1
    half = masks.copy()
    half[:, :1] = 0
    assert compute("iou", masks, masks.astype(float)) == 1.0
    assert compute("iou", masks, half) == pytest.approx(0.5)
    assert compute("dice", masks, half) == pytest.approx(2 / 3)
    assert compute("iou", masks, half[:, None]) == pytest.approx(0.5)  # (n, 1, H, W) is accepted


@pytest.mark.parametrize("predictions, message", [
    (np.array([0, 1]), "2 predictions for 4 inputs"),
    (np.array([0.5, 0.2, 0.1, 0.3]), "predictions are fractions"),
    (np.array([np.nan, 1, 1, 0]), "NaN"),
    (np.array(3), "1 predictions for 4 inputs"),
    (np.zeros((4, 2, 2)), "expected one label per input"),
])
def test_unscorable_predictions(predictions, message):
    with pytest.raises(BadPredictions, match=message):
        compute("accuracy", np.array([0, 1, 1, 0]), predictions)
