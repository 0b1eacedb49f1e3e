"""Fingerprints of a token stream: hashes of every k tokens in a row (k-grams), thinned by
winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003, as MOSS and Dolos use it).

Winnowing keeps the smallest hash of every window of `window` consecutive k-grams, so any run of
at least `k + window - 1` tokens two submissions share yields at least one shared fingerprint,
while a submission keeps only about 2/(window+1) of its k-grams. Each fingerprint remembers where
its k-gram lies (cell, first and last line) so a matched region can be shown.

K-grams never span two cells: a copy with its cells reordered keeps every fingerprint.
Hashes are computed with numpy in wrapping 64-bit arithmetic, the same in every process.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from itertools import groupby

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.similarity.tokens import Token

# Tokens are fine-grained (every bracket and dot is one), so a k-gram of 20 is about one and a half
# lines of code: long enough that the idioms every PyTorch student writes (`optimizer.zero_grad()`,
# `loss.backward()`) rarely fill one alone, short enough that a copied function yields many.
K = 20          # tokens per k-gram
WINDOW = 10     # k-grams per winnowing window: a shared run of K + WINDOW - 1 = 29 tokens is always seen
BASE = np.uint64(0x100000001B3)


@dataclass(frozen=True)
class Fingerprints:
    """A submission's selected fingerprints, one entry per selected k-gram (a hash may repeat)."""

    hashes: np.ndarray       # uint64
    starts: np.ndarray       # the k-gram's first token's position in the submission's token stream
    cells: np.ndarray        # cell index of the k-gram
    first_lines: np.ndarray  # line of its first token within the cell (1-based)
    last_lines: np.ndarray   # line of its last token

    @property
    def distinct(self) -> np.ndarray:
        return np.unique(self.hashes)

    def without(self, ignored: np.ndarray) -> Fingerprints:
        """These fingerprints less those whose hash is in `ignored` (e.g. the starter's)."""
        keep = ~np.isin(self.hashes, ignored)
        return Fingerprints(self.hashes[keep], self.starts[keep], self.cells[keep], self.first_lines[keep],
                            self.last_lines[keep])


def fingerprint(tokens: list[Token], *, k: int = K, window: int = WINDOW) -> Fingerprints:
    """Winnowed k-gram fingerprints of each cell's tokens."""
    parts: list[tuple[np.ndarray, ...]] = []
    offset = 0
    for _cell, group in groupby(tokens, key=lambda token: token.cell):
        cell_tokens = list(group)
        hashes = kgram_hashes(cell_tokens, k)
        if len(hashes):
            chosen = _winnow(hashes, window)
            lines = np.array([token.line for token in cell_tokens])
            parts.append((hashes[chosen], chosen + offset, np.full(len(chosen), cell_tokens[0].cell),
                          lines[chosen], lines[chosen + k - 1]))
        offset += len(cell_tokens)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Fingerprints(np.zeros(0, dtype=np.uint64), empty, empty, empty, empty)
    return Fingerprints(*(np.concatenate(column) for column in zip(*parts)))


def all_hashes(tokens: list[Token], *, k: int = K) -> np.ndarray:
    """Every k-gram hash of each cell (not winnowed): what to ignore wherever it appears."""
    found = [kgram_hashes(list(group), k) for _cell, group in groupby(tokens, key=lambda token: token.cell)]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)


def kgram_hashes(tokens: list[Token], k: int) -> np.ndarray:
    """The hash of every k consecutive tokens (none when there are fewer than k)."""
    if len(tokens) < k:
        return np.zeros(0, dtype=np.uint64)
    ids = np.array([_token_id(token.text) for token in tokens], dtype=np.uint64)
    powers = BASE ** np.arange(k - 1, -1, -1, dtype=np.uint64)  # wraps modulo 2**64, as intended
    with np.errstate(over="ignore"):
        return _mix(sliding_window_view(ids, k) @ powers)


def _winnow(hashes: np.ndarray, window: int) -> np.ndarray:
    """Positions of the minimum hash of every window (each position once, in order)."""
    if len(hashes) <= window:
        return np.array([int(np.argmin(hashes))])
    windows = sliding_window_view(hashes, window)
    return np.unique(np.argmin(windows, axis=1) + np.arange(len(windows)))


def _token_id(text: str) -> int:
    return zlib.crc32(text.encode("utf-8")) + 1


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: k-gram hashes spread evenly, so winnowing's minimum is unbiased."""
    with np.errstate(over="ignore"):
        values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))
