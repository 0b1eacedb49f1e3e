"""`detections`: an object detector's output arrays are consistent, and the counts the student
reports are what the arrays say.

A detector run offline has no trustworthy ground truth to score against (no pretrained weights
can be downloaded), so the check judges what the student can get right for any detector:
`boxes` (N, 4) as (x1, y1, x2, y2) inside the image, `scores` (N,) in [0, 1] sorted from best to
worst, `labels` (N,) integer classes, and the reported number of detections among the top k
(e.g. 10 and 100) above a score threshold, recomputed on the host from the arrays themselves.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from grader.checks.base import CheckKind, Evidence, Outcome, probe_id
from grader.contract import DescribeRequest, DescribeResult, ProbeRequest
from grader.i18n import N_, Text, join
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check

Aspect = Literal["arrays", "boxes", "scores", "counts"]
ASPECTS: tuple[Aspect, ...] = ("arrays", "boxes", "scores", "counts")


class DetectionsParams(Strict):
    boxes: str = "boxes"
    scores: str = "scores"
    labels: str = "labels"
    image_size: list[int] | None = Field(None, min_length=2, max_length=2, description="[width, height] in pixels")
    verify: list[Aspect] = Field(default_factory=lambda: list(ASPECTS))
    counts: dict[int, str] = Field(default_factory=dict, description="k -> the name holding the count in the top k")
    min_score: float = 0.0


class Detections(CheckKind):
    name = "detections"
    Params = DetectionsParams

    def probes(self, check: Check, params: DetectionsParams, assignment: Assignment) -> list[ProbeRequest]:
        return [DescribeRequest(id=probe_id(check.id, number), name=name) for number, name in enumerate(_names(params))]

    def evaluate(self, check: Check, params: DetectionsParams, evidence: Evidence) -> Outcome:
        values: dict[str, Any] = {}
        for number, name in enumerate(_names(params)):
            result = evidence.observations.result(probe_id(check.id, number), DescribeResult)
            if result.ok and result.exists:
                values[name] = result.value
        problems = []
        for aspect in params.verify:
            problems += JUDGES[aspect](params, values)
        if problems:
            return Outcome.failed(join(problems))
        return Outcome.passed(N_("detections are consistent ({aspects})", aspects=", ".join(params.verify)))


def _names(params: DetectionsParams) -> list[str]:
    needed = {"arrays": [params.boxes, params.scores, params.labels], "boxes": [params.boxes],
              "scores": [params.scores], "counts": [params.scores, *params.counts.values()]}
    return list(dict.fromkeys(name for aspect in params.verify for name in needed[aspect]))


def _array(values: dict[str, Any], name: str, ndim: int) -> np.ndarray | Text:
    """The numeric array `name` with `ndim` axes, or why it is not one."""
    if name not in values:
        return N_("'{name}' is not defined (or is too large to read)", name=name)
    value = values[name]
    array = value if isinstance(value, np.ndarray) else None
    if array is None and isinstance(value, list):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            array = None
    if array is None or array.dtype.kind not in "biuf":
        return N_("'{name}' is not a numeric array", name=name)
    if array.ndim != ndim or (ndim == 2 and array.shape[1] != 4):
        expected = "(N, 4)" if ndim == 2 else "(N,)"
        return N_("'{name}' has shape {shape}, expected {expected}", name=name, shape=str(list(array.shape)),
                  expected=expected)
    return array


def _judge_arrays(params: DetectionsParams, values: dict[str, Any]) -> list[Text]:
    found = [_array(values, params.boxes, 2), _array(values, params.scores, 1), _array(values, params.labels, 1)]
    boxes, scores, labels = (None if isinstance(array, Text) else array for array in found)
    problems = [why for why in found if isinstance(why, Text)]
    if labels is not None and labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        problems.append(N_("'{name}' holds non-integer class ids", name=params.labels))
    lengths = {name: len(a) for name, a in ((params.boxes, boxes), (params.scores, scores),
                                            (params.labels, labels)) if a is not None}
    if len(set(lengths.values())) > 1:
        problems.append(N_("one entry per detection expected, found {lengths}", lengths=[
            N_("{n} in '{name}'", n=n, name=name) for name, n in lengths.items()]))
    return problems


def _judge_boxes(params: DetectionsParams, values: dict[str, Any]) -> list[Text]:
    boxes = _array(values, params.boxes, 2)
    if isinstance(boxes, Text):
        return [boxes]
    x1, y1, x2, y2 = boxes.T.astype(float)
    problems = []
    flat = int(np.sum((x2 <= x1) | (y2 <= y1)))
    if flat:
        problems.append(N_("{flat} of {total} boxes do not have x1 < x2 and y1 < y2 (boxes are (x1, y1, x2, y2))",
                           flat=flat, total=len(boxes)))
    if params.image_size is not None:
        width, height = params.image_size
        outside = int(np.sum((x1 < 0) | (y1 < 0) | (x2 > width) | (y2 > height)))
        if outside:
            problems.append(N_("{outside} of {total} boxes reach outside the {width}x{height} image (coordinates are "
                               "pixels, not fractions or (x, y, w, h))", outside=outside, total=len(boxes),
                               width=width, height=height))
    return problems


def _judge_scores(params: DetectionsParams, values: dict[str, Any]) -> list[Text]:
    scores = _array(values, params.scores, 1)
    if isinstance(scores, Text):
        return [scores]
    problems = []
    if len(scores) and (np.nanmin(scores) < 0 or np.nanmax(scores) > 1 or np.isnan(scores).any()):
        problems.append(N_("'{name}' must lie in [0, 1], found {low:.4g} to {high:.4g}", name=params.scores,
                           low=float(np.nanmin(scores)), high=float(np.nanmax(scores))))
    if np.any(np.diff(scores) > 0):
        problems.append(N_("'{name}' is not sorted from the best detection to the worst", name=params.scores))
    return problems


def _judge_counts(params: DetectionsParams, values: dict[str, Any]) -> list[Text]:
    scores = _array(values, params.scores, 1)
    if isinstance(scores, Text):
        return [scores]
    best_first = np.sort(scores)[::-1]
    problems = []
    for k, name in sorted(params.counts.items()):
        expected = int(np.sum(best_first[:k] >= params.min_score))
        reported = values.get(name)
        if not isinstance(reported, (int, float)) or isinstance(reported, bool):
            problems.append(N_("'{name}' should be the number of detections in the top {k}, an int; found {found}",
                               name=name, k=k, found=N_("nothing") if name not in values else type(reported).__name__))
        elif reported != expected:
            problems.append(N_("'{name}' is {reported:g}, but the arrays hold {expected} detections with score >= "
                               "{min_score:g} among the top {k}", name=name, reported=reported, expected=expected,
                               min_score=params.min_score, k=k))
    return problems


JUDGES = {"arrays": _judge_arrays, "boxes": _judge_boxes, "scores": _judge_scores, "counts": _judge_counts}
