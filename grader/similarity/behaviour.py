"""Behavioural similarity: do two students' models make the same mistakes on the hidden inputs
more often than their accuracies explain? Pure: labels and predictions in, one `Behaviour` per pair.

Copying trained weights or predictions leaves a trace code tools never see: the two models are
wrong on the same inputs, with the same wrong label. Independent models share some mistakes too,
because some inputs are hard for every model (a 4 that looks like a 9), so the baseline for a pair
is built from the rest of the class:

- item i is wrong for a share r_i of the other students (everyone but the pair);
- student a is wrong on item i with probability p_a(i) = min(1, r_i * e_a / mean(r)), where e_a is
  a's error rate: hard items stay hard, and a weaker student errs more everywhere;
- when both are wrong, they pick the same wrong label with probability s_i = sum_c q_ic^2, where
  q_ic is the share of the others' wrong answers on item i that are c (add-one smoothed over the
  K - 1 wrong labels).

The expected number of identical wrong answers is E = sum_i p_a(i) p_b(i) s_i, its variance
V = sum_i x_i (1 - x_i) with x_i that product (independent items), and the observed count O is
compared as z = (O - E) / sqrt(V). The score is the share of the fewer errors the other student
repeats identically beyond chance: (O - E) / (min(wrong_a, wrong_b) - E), clipped to [0, 1].
With fewer than MIN_OTHERS other students there is no class to learn difficulty from, and the
baseline is plain independence (every item equally hard, every wrong label equally likely),
which overstates how unusual shared mistakes are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_OTHERS = 3
FLAG_SCORE = 0.5   # at least half the fewer mistakes repeated beyond chance ...
FLAG_Z = 5.0       # ... and far outside what chance gives


@dataclass(frozen=True)
class Behaviour:
    same_wrong: int     # O: inputs both got wrong with the same wrong label
    expected: float     # E: what independent students with these accuracies would share
    z: float
    score: float        # 0..1: share of the fewer mistakes repeated beyond chance
    wrong: tuple[int, int]
    baseline: str       # "class" (difficulty from the other students) or "independent"

    @property
    def flagged(self) -> bool:
        return self.score >= FLAG_SCORE and self.z >= FLAG_Z

    def to_json(self) -> dict:
        return {"score": round(self.score, 4), "same_wrong": self.same_wrong, "expected": round(self.expected, 2),
                "z": round(self.z, 2) if math.isfinite(self.z) else None, "wrong": list(self.wrong),
                "baseline": self.baseline, "flagged": self.flagged}


def compare_predictions(labels: np.ndarray, predictions: dict[str, np.ndarray]) -> dict[tuple[str, str], Behaviour]:
    """Every pair (a, b), a before b in the given order, of students whose predictions are given
    (integer class labels, one per hidden input)."""
    ids = list(predictions)
    if len(ids) < 2:
        return {}
    guesses = np.stack([np.asarray(predictions[i], dtype=np.int64) for i in ids])
    truth = np.asarray(labels, dtype=np.int64)
    classes = int(max(truth.max(), guesses.max())) + 1 if truth.size else 2
    wrong = guesses != truth
    by_label = np.zeros((truth.size, max(classes, 2)), dtype=np.int64)  # wrong answers per item and label
    students, items = np.nonzero(wrong)
    np.add.at(by_label, (items, guesses[students, items]), 1)
    class_view = _ClassView(truth, guesses, wrong, by_label, max(classes, 2), wrong.sum(axis=0),
                            (by_label ** 2).sum(axis=1))
    return {(ids[a], ids[b]): class_view.pair(a, b) for a in range(len(ids)) for b in range(a + 1, len(ids))}


@dataclass(frozen=True)
class _ClassView:
    truth: np.ndarray
    guesses: np.ndarray    # (students, items)
    wrong: np.ndarray      # (students, items) bool
    by_label: np.ndarray   # (items, classes): how many students gave each wrong label
    classes: int
    wrong_per_item: np.ndarray   # (items,): how many students got it wrong
    label_squares: np.ndarray    # (items,): sum over labels of by_label squared

    def pair(self, a: int, b: int) -> Behaviour:
        wrong_a, wrong_b = self.wrong[a], self.wrong[b]
        same = wrong_a & wrong_b & (self.guesses[a] == self.guesses[b])
        observed = int(same.sum())
        errors_a, errors_b = int(wrong_a.sum()), int(wrong_b.sum())
        others = len(self.guesses) - 2
        probability, baseline = None, "independent"
        if others >= MIN_OTHERS:
            probability = self._class_baseline(a, b, same, others)
            baseline = "class" if probability is not None else baseline
        if probability is None:
            rate_a, rate_b = wrong_a.mean(), wrong_b.mean()
            probability = np.full(self.truth.size, rate_a * rate_b / (self.classes - 1))
        expected = float(probability.sum())
        variance = float((probability * (1 - probability)).sum())
        excess = observed - expected
        z = excess / math.sqrt(variance) if variance > 0 else (math.inf if excess > 0 else 0.0)
        fewer = min(errors_a, errors_b)
        score = min(1.0, max(0.0, excess / (fewer - expected))) if fewer > expected else 0.0
        return Behaviour(same_wrong=observed, expected=expected, z=z, score=score, wrong=(errors_a, errors_b),
                         baseline=baseline)

    def _class_baseline(self, a: int, b: int, same: np.ndarray, others: int) -> np.ndarray | None:
        """Per item, the chance both are wrong with the same label, learned from the other
        students; None when none of them made a mistake (no difficulty to learn)."""
        wrong_a, wrong_b = self.wrong[a], self.wrong[b]
        wrong_others = self.wrong_per_item - wrong_a - wrong_b
        rate = wrong_others / others
        mean_rate = rate.mean()
        if mean_rate == 0:
            return None
        p_a = np.minimum(1.0, rate * wrong_a.mean() / mean_rate)
        p_b = np.minimum(1.0, rate * wrong_b.mean() / mean_rate)
        items = np.arange(self.truth.size)
        # the pair's own answers taken out of the counts: sum_c (n_c - [a said c] - [b said c])^2
        squares = (self.label_squares - 2 * self.by_label[items, self.guesses[a]] * wrong_a + wrong_a
                   - 2 * self.by_label[items, self.guesses[b]] * wrong_b + wrong_b + 2 * same)
        labels = self.classes - 1
        same_label = (squares + 2 * wrong_others + labels) / (wrong_others + labels) ** 2  # add-one smoothing
        return p_a * p_b * same_label
