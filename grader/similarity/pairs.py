"""Pair scores over a class through an inverted view of the fingerprints (which submissions hold
each one), never by diffing every pair's tokens; and the matched regions of the pairs worth showing.

A pair's score is the number of distinct fingerprints both hold over the number the smaller of
the two holds (as Dolos reports it): 1.0 when everything in the smaller submission is also in the
other, so a partial copy into a larger notebook still scores high. The denominator is at least
MIN_FINGERPRINTS, so a near-empty submission (little more than the starter) cannot reach a high
score from a few common fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.similarity.fingerprints import WINDOW, Fingerprints, K

MIN_FINGERPRINTS = 20
COLUMNS_PER_BLOCK = 4096  # fingerprints compared at once: memory stays (submissions x this) floats


@dataclass(frozen=True)
class PairScore:
    a: int            # indices into the list of submissions, a < b
    b: int
    shared: int       # distinct fingerprints both hold
    score: float


@dataclass(frozen=True)
class Region:
    """A stretch of code two submissions share: cells (0-based indices among all cells) and 1-based lines."""

    a_cell: int
    a_lines: tuple[int, int]
    b_cell: int
    b_lines: tuple[int, int]
    fingerprints: int

    def to_json(self) -> dict:
        return {"a": {"cell": self.a_cell, "lines": list(self.a_lines)},
                "b": {"cell": self.b_cell, "lines": list(self.b_lines)}, "fingerprints": self.fingerprints}


def score_pairs(distinct: list[np.ndarray]) -> list[PairScore]:
    """Every pair's score from each submission's distinct fingerprint hashes, best first."""
    count = len(distinct)
    shared = np.zeros((count, count), dtype=np.float64)
    owners = np.concatenate([np.full(len(h), i) for i, h in enumerate(distinct)]) if count else np.zeros(0, int)
    hashes = np.concatenate(distinct) if count else np.zeros(0, np.uint64)
    unique, column, held_by = np.unique(hashes, return_inverse=True, return_counts=True)
    common = held_by[column] > 1  # a fingerprint only one submission holds is in no pair
    owners, column = owners[common], np.searchsorted(np.flatnonzero(held_by > 1), column[common])
    for start in range(0, int((held_by > 1).sum()), COLUMNS_PER_BLOCK):
        inside = (column >= start) & (column < start + COLUMNS_PER_BLOCK)
        block = np.zeros((count, COLUMNS_PER_BLOCK), dtype=np.float32)
        block[owners[inside], column[inside] - start] = 1.0
        shared += block @ block.T
    sizes = np.array([len(h) for h in distinct], dtype=np.float64)
    pairs = []
    for a in range(count):
        for b in range(a + 1, count):
            together = int(shared[a, b])
            smaller = max(min(sizes[a], sizes[b]), MIN_FINGERPRINTS)
            pairs.append(PairScore(a, b, together, together / smaller))
    pairs.sort(key=lambda pair: (-pair.score, -pair.shared, pair.a, pair.b))
    return pairs


def matched_regions(a: Fingerprints, b: Fingerprints, *, k: int = K, window: int = WINDOW) -> list[Region]:
    """The stretches of code behind a pair's shared fingerprints, largest first: consecutive shared
    fingerprints in the same cell on both sides, at most one window apart, make one region."""
    first_in_b: dict[int, int] = {}
    for position, value in enumerate(b.hashes.tolist()):
        first_in_b.setdefault(value, position)
    matches = [(i, first_in_b[value]) for i, value in enumerate(a.hashes.tolist()) if value in first_in_b]
    regions: list[list[tuple[int, int]]] = []
    gap = k + window
    for i, j in matches:  # in a's order
        if regions:
            last_i, last_j = regions[-1][-1]
            if (a.cells[i] == a.cells[last_i] and b.cells[j] == b.cells[last_j]
                    and 0 < a.starts[i] - a.starts[last_i] <= gap and 0 < b.starts[j] - b.starts[last_j] <= gap):
                regions[-1].append((i, j))
                continue
        regions.append([(i, j)])
    found = [Region(a_cell=int(a.cells[run[0][0]]),
                    a_lines=(int(min(a.first_lines[i] for i, _ in run)), int(max(a.last_lines[i] for i, _ in run))),
                    b_cell=int(b.cells[run[0][1]]),
                    b_lines=(int(min(b.first_lines[j] for _, j in run)), int(max(b.last_lines[j] for _, j in run))),
                    fingerprints=len(run)) for run in regions]
    return sorted(found, key=lambda region: (-region.fingerprints, region.a_cell, region.a_lines))
