"""IMDB sentiment: short procedural reviews in Keras's real `imdb.npz` format.

`keras.datasets.imdb.load_data()` reads `~/.keras/datasets/imdb.npz`: `x_train`/`x_test` are
object arrays of variable-length lists of word ranks (1 = most frequent word), `y_*` are 0/1.
It then shuffles, prepends `start_char=1`, adds `index_from=3` and maps ranks at or beyond
`num_words` to `oov_char=2`. `get_word_index()` reads `imdb_word_index.json` ({word: rank}).

The stand-in's reviews are 12-40 words of filler plus sentiment words (`great`, `awful`, ...)
among the 60 most frequent ranks; a review is positive when its positive words outnumber its
negative ones, so a word embedding and a recurrent layer learn it in a couple of epochs while
a model that ignores word identity cannot. `generate()` returns what a model sees: the reviews
as `load_data(num_words=NUM_WORDS)` encodes them, pre-padded with zeros to MAXLEN (what
`pad_sequences(x, maxlen=MAXLEN)` gives), which is also what the grader hands to `predict`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grader.datasets.base import PUBLIC_SPLITS, DatasetProvider
from grader.datasets.files import write_atomic

SIZES = {"train": 3000, "test": 1000, "hidden": 1000}
NUM_WORDS = 1000  # students load with num_words=NUM_WORDS
MAXLEN = 40       # ... and pad with pad_sequences(maxlen=MAXLEN); reviews are shorter than that
LENGTHS = (12, 39)  # words per review, before load_data's start character
VOCABULARY = 1200   # ranks 1..VOCABULARY; the rarest ones become oov_char under num_words
START_CHAR, INDEX_FROM = 1, 3
POSITIVE = ("great", "excellent", "wonderful", "brilliant", "loved", "superb", "enjoyable", "moving")
NEGATIVE = ("awful", "boring", "terrible", "worst", "waste", "dull", "poor", "hated")
COMMON = ("the", "and", "a", "of", "to", "is", "it", "in", "this", "that", "was", "movie", "film")
KERAS_DIR = "home/.keras/datasets"
WORD_INDEX_FILE = "imdb_word_index.json"


def vocabulary() -> list[str]:
    """Words by rank (index 0 is rank 1): common words, sentiment words, then made-up filler."""
    rng = np.random.default_rng(3_000_000)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "da", "ze", "gu"]
    words = list(COMMON) + [w for pair in zip(POSITIVE, NEGATIVE) for w in pair]
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(syllables, size=rng.integers(2, 4)))
        if word not in words:
            words.append(word)
    return words


def _rank_ids() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ranks of the positive words, the negative words and the neutral filler."""
    ranks = {word: rank for rank, word in enumerate(vocabulary(), start=1)}
    positive = np.array([ranks[w] for w in POSITIVE])
    negative = np.array([ranks[w] for w in NEGATIVE])
    filler = np.setdiff1d(np.arange(1, VOCABULARY + 1), np.concatenate([positive, negative]))
    return positive, negative, filler


def raw_reviews(seed: int, n: int) -> tuple[list[list[int]], np.ndarray]:
    """n reviews as lists of word ranks (the file's format) and their 0/1 labels."""
    rng = np.random.default_rng(seed)
    positive, negative, filler = _rank_ids()
    zipf = 1.0 / np.arange(1, len(filler) + 1) ** 0.9  # frequent words are frequent
    zipf /= zipf.sum()
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    reviews = []
    for label in labels:
        length = int(rng.integers(LENGTHS[0], LENGTHS[1] + 1))
        majority = int(rng.integers(2, 5))
        minority = int(rng.integers(0, majority - 1))
        agree, disagree = (positive, negative) if label else (negative, positive)
        sentiment = np.concatenate([rng.choice(agree, majority), rng.choice(disagree, minority)])
        words = rng.choice(filler, size=length - len(sentiment), p=zipf)
        review = np.insert(words, rng.integers(0, len(words) + 1, size=len(sentiment)), sentiment)
        reviews.append([int(w) for w in review])
    return reviews, labels


def encode_for_model(reviews: list[list[int]]) -> np.ndarray:
    """What load_data(num_words=NUM_WORDS) then pad_sequences(maxlen=MAXLEN) make of reviews."""
    padded = np.zeros((len(reviews), MAXLEN), dtype=np.int32)
    for row, review in enumerate(reviews):
        ids = [START_CHAR] + [w + INDEX_FROM if w + INDEX_FROM < NUM_WORDS else 2 for w in review]
        padded[row, MAXLEN - len(ids):] = ids
    return padded


class ImdbProvider(DatasetProvider):
    name = "imdb"
    public_file = "imdb.npz"
    public_seeds = {"train": 3_000_001, "test": 3_000_002}

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        reviews, labels = raw_reviews(seed, SIZES[split])
        return encode_for_model(reviews), labels

    def public_arrays(self, cache: Path) -> dict[str, np.ndarray]:
        """Ragged object arrays of word ranks, as the real file stores them."""
        arrays: dict[str, np.ndarray] = {}
        for split in PUBLIC_SPLITS:
            reviews, labels = raw_reviews(self.public_seeds[split], SIZES[split])
            ragged = np.empty(len(reviews), dtype=object)
            ragged[:] = reviews
            arrays[f"x_{split}"], arrays[f"y_{split}"] = ragged, labels
        return arrays

    def write_derived(self, cache: Path) -> None:
        index = self.public_dir(cache) / WORD_INDEX_FILE
        if not index.exists():
            ranks = {word: rank for rank, word in enumerate(vocabulary(), start=1)}
            write_atomic(index, json.dumps(ranks, sort_keys=True).encode())

    def split(self, cache: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs (padded ids) and labels; public splits are regenerated from their fixed
        seeds rather than read back, so the host never unpickles the ragged file."""
        if split in PUBLIC_SPLITS:
            return self.generate(split, self.public_seeds[split])
        return super().split(cache, split)

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        public = self.public_dir(cache)
        return [(public / self.public_file, f"{KERAS_DIR}/{self.public_file}"),
                (public / WORD_INDEX_FILE, f"{KERAS_DIR}/{WORD_INDEX_FILE}")]
