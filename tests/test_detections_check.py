"""The `detections` check in a real kernel: each aspect of a detector's output (arrays, boxes,
scores, reported counts) is judged on the host from the arrays the notebook holds."""

from __future__ import annotations

import pytest

from architecture_support import grade_cells
from grader.errors import SpecError
from grader.results import CheckStatus

COMMON = {"image_size": [320, 240], "counts": {10: "n_10", 100: "n_100"}, "min_score": 0.5}
CHECKS = [{"id": aspect, "title": aspect, "kind": "detections", "points": 1,
           "params": {**COMMON, "verify": [aspect]}} for aspect in ("arrays", "boxes", "scores", "counts")]

DETECTOR = """\
import numpy as np
rng = np.random.default_rng(0)
n = 150
x1, y1 = rng.uniform(0, 280, n), rng.uniform(0, 200, n)
w, h = rng.uniform(5, 40, n), rng.uniform(5, 40, n)
boxes = np.stack([x1, y1, x1 + w, y1 + h], axis=1)
scores = np.sort(rng.uniform(0, 1, n))[::-1]
labels = rng.integers(1, 5, n)"""
GOOD = [DETECTOR, "n_10 = int(np.sum(scores[:10] >= 0.5))\nn_100 = int(np.sum(scores[:100] >= 0.5))"]
BAD = [DETECTOR,
       "boxes = np.stack([x1, y1, w, h], axis=1)  # (x, y, w, h)\n"
       "scores = scores[::-1].copy()  # worst first\n"
       "del labels\n"
       "n_10, n_100 = 10, 100  # the top-k sizes, not the detections above the threshold"]


@pytest.mark.slow
def test_a_consistent_detector_output_passes_every_aspect(tmp_path, local_sandbox):
    result = grade_cells(tmp_path, local_sandbox, framework="numpy", checks=CHECKS, cells=GOOD)
    assert [(c.id, c.status) for c in result.checks] == [(c["id"], CheckStatus.PASSED) for c in CHECKS]


@pytest.mark.slow
def test_each_mistake_costs_its_own_aspect_and_says_why(tmp_path, local_sandbox):
    result = grade_cells(tmp_path, local_sandbox, framework="numpy", checks=CHECKS, cells=BAD)
    messages = {c.id: c.message for c in result.checks if c.status == CheckStatus.FAILED}
    assert set(messages) == {"arrays", "boxes", "scores", "counts"}
    assert "'labels' is not defined" in messages["arrays"]
    assert "do not have x1 < x2 and y1 < y2" in messages["boxes"]
    assert "not sorted from the best detection to the worst" in messages["scores"]
    assert "'n_100' is 100, but the arrays hold" in messages["counts"]


def test_an_unknown_aspect_is_a_rubric_error(tmp_path, local_sandbox):
    bad = [{**CHECKS[0], "params": {"verify": ["colours"]}}]
    with pytest.raises(SpecError, match="verify"):
        grade_cells(tmp_path, local_sandbox, framework="numpy", checks=bad, cells=GOOD)
