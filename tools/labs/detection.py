"""detection (any framework, course 003 lesson 7): a detector run on a given image, the number of
detections at 10 and at 100 reported from its output arrays; a paper review graded by hand.

No pretrained detector weights can be downloaded where grading runs, so the image is procedural
(coloured objects on a noisy background, drawn from a fixed seed in a given cell) and the
reference runs a classical, weight-free detector; the rubric judges the output arrays and the
reported counts, which are right or wrong for any detector (docs/formats.md, `detections`)."""

from __future__ import annotations

from labkit import edit, make_lab

DT_INTRO = """\
# Lesson 7: object detection

1. Run a detector on the given image and report how many objects it finds among its 10 and its
   100 best detections (score at least `MIN_SCORE`).
2. Write a short review of a paper on an object-detection algorithm not covered in the lesson.

The exact contract is in README.md."""

DT_PARAMS = """\
MIN_SCORE = 0.3  # a detection counts when its score is at least this"""

DT_IMAGE = """\
# The given image: do not change this cell (the grader checks boxes against its 320x240 size).
import numpy as np

WIDTH, HEIGHT = 320, 240
rng = np.random.default_rng(7)
image = rng.normal(40, 12, (HEIGHT, WIDTH, 3))
for _ in range(140):
    x, y = rng.integers(0, WIDTH - 12), rng.integers(0, HEIGHT - 12)
    w, h = rng.integers(4, 12), rng.integers(4, 12)
    image[y:y + h, x:x + w, rng.integers(0, 3)] += rng.uniform(60, 200)
image = np.clip(image, 0, 255).astype(np.uint8)
print(image.shape, image.dtype)"""

DT_DETECT = """\
from scipy import ndimage


def detect(image, threshold=90):
    \"\"\"A weight-free detector: bright connected regions per colour channel.
    Returns boxes (N, 4) as (x1, y1, x2, y2) pixels, scores (N,) in [0, 1] best first, labels (N,).\"\"\"
    boxes, scores, labels = [], [], []
    for colour in range(3):
        mask = image[:, :, colour] > threshold
        regions, _ = ndimage.label(mask)
        for index, region in enumerate(ndimage.find_objects(regions), start=1):
            ys, xs = region
            brightness = image[region][..., colour][regions[region] == index].mean()
            boxes.append([xs.start, ys.start, xs.stop, ys.stop])
            scores.append(min(1.0, (brightness - threshold) / (255 - threshold)))
            labels.append(colour + 1)
    order = np.argsort(scores)[::-1]
    return (np.array(boxes, dtype=np.float32)[order], np.array(scores, dtype=np.float32)[order],
            np.array(labels, dtype=np.int64)[order])


boxes, scores, labels = detect(image)
print(len(boxes), "detections")"""

DT_COUNTS = """\
n_10 = int(np.sum(scores[:10] >= MIN_SCORE))
n_100 = int(np.sum(scores[:100] >= MIN_SCORE))
print(f"detections at 10: {n_10}, at 100: {n_100}")"""

DT_REVIEW = """\
## Paper review: YOLOv3 (Redmon and Farhadi, 2018)

- **What differs.** One network predicts boxes at three scales from a feature pyramid, with
  independent logistic class scores instead of a softmax; there is no region-proposal stage.
- **Pros.** Real-time speed, good small-object recall thanks to the three scales, simple training.
- **Cons.** Weaker localisation at high IoU thresholds than two-stage detectors; anchor boxes must
  be chosen for the data set.
- **Practical difficulties.** Anchors and input size to tune, class imbalance, and the need for
  a GPU to train it on a new data set."""

DT_REFERENCE = [
    ("intro", "md", DT_INTRO), ("parameters", "params", DT_PARAMS), ("image", "code", DT_IMAGE),
    ("detect-md", "md", "## The detector"), ("detect", "code", DT_DETECT), ("counts", "code", DT_COUNTS),
    ("review", "md", DT_REVIEW),
]

DT_STARTER = {
    "detect": """\
# TODO: run a detector on `image` and keep its output as numpy arrays, best detection first:
# boxes (N, 4) as (x1, y1, x2, y2) in pixels, scores (N,) in [0, 1], labels (N,) integer classes.
boxes = scores = labels = None""",
    "counts": """\
# TODO: the number of detections with score >= MIN_SCORE among the 10 and the 100 best
n_10 = n_100 = None""",
    "review": "## Paper review\n\nTODO: a short review of an object-detection paper not covered in the lesson.",
}

DT_KNOWN_WRONG = {
    "boxes_as_xywh": (["detection-boxes"], {
        "detect": edit(DT_DETECT, "boxes.append([xs.start, ys.start, xs.stop, ys.stop])",
                       "boxes.append([xs.start, ys.start, xs.stop - xs.start, ys.stop - ys.start])"),
    }),
    # the detections in the order they were found: the top 10 are not the 10 best
    "scores_not_sorted": (["detection-scores", "detection-counts"], {
        "detect": edit(DT_DETECT, "order = np.argsort(scores)[::-1]", "order = np.arange(len(scores))"),
    }),
    # the top-k sizes, not the detections above the threshold
    "counts_without_threshold": (["detection-counts"], {
        "counts": edit(DT_COUNTS, "int(np.sum(scores[:10] >= MIN_SCORE))", "min(10, len(scores))",
                       "int(np.sum(scores[:100] >= MIN_SCORE))", "min(100, len(scores))"),
    }),
}

DT_EXAMPLES = {
    "anya_good": None,
    "boris_no_labels": {"detect": edit(DT_DETECT, "boxes, scores, labels = detect(image)",
                                       "boxes, scores, _ = detect(image)")},
    "clara_xywh": DT_KNOWN_WRONG["boxes_as_xywh"][1],
}

# --------------------------------------------------------------------------------------------


def make() -> None:
    make_lab("detection", DT_REFERENCE, DT_STARTER, DT_KNOWN_WRONG, DT_EXAMPLES)
