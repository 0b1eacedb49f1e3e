"""The imdb stand-in: Keras's real loaders read it offline, and the sentiment is learnable from
which words a review holds but not from anything else."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.datasets import get_provider, provision_sandbox
from grader.datasets.imdb import MAXLEN, NUM_WORDS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cache")
    get_provider("imdb").ensure(path)
    return path


def bag_of_words(x: np.ndarray) -> np.ndarray:
    counts = np.zeros((len(x), NUM_WORDS))
    for row, ids in enumerate(x):
        np.add.at(counts[row], ids[ids > 0], 1)
    return counts


def test_sentiment_is_in_the_words_not_the_length(cache: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    provider = get_provider("imdb")
    x, y = provider.split(cache, "train")
    x_test, y_test = provider.split(cache, "test")
    words = LogisticRegression(max_iter=2000).fit(bag_of_words(x), y)
    assert words.score(bag_of_words(x_test), y_test) > 0.95
    lengths = lambda ids: (ids > 0).sum(axis=1, keepdims=True)  # noqa: E731
    assert LogisticRegression().fit(lengths(x), y).score(lengths(x_test), y_test) < 0.6
    assert 0.45 < y.mean() < 0.55


def test_hidden_split_differs_from_the_public_ones(cache: Path) -> None:
    provider = get_provider("imdb")
    hidden, _ = provider.split(cache, "hidden")
    test, _ = provider.split(cache, "test")
    assert hidden.shape == (1000, MAXLEN) and hidden.dtype == test.dtype
    assert not {row.tobytes() for row in hidden} & {row.tobytes() for row in test}


@pytest.mark.slow
def test_keras_imdb_loaders_read_the_stand_in_offline(cache: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["imdb"], root, cache)
    (root / "work").mkdir()
    script = textwrap.dedent(f"""
        import json
        from grader.datasets.keras_shim import install
        install({manifest!r}, {str(root)!r})
        import keras
        (x, y), (x_test, y_test) = keras.datasets.imdb.load_data(num_words={NUM_WORDS})
        padded = keras.utils.pad_sequences(x_test, maxlen={MAXLEN})
        index = keras.datasets.imdb.get_word_index()
        print(json.dumps([len(x), int(y.sum()), sorted(map(tuple, padded.tolist())), index["great"]]))
    """)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"}
    env.update(HOME=str(root / "home"), PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-c", script], cwd=root / "work", env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    n_train, positives, test_rows, great = json.loads(done.stdout.splitlines()[-1])
    x_train, y_train = get_provider("imdb").split(cache, "train")
    x_test, _ = get_provider("imdb").split(cache, "test")
    assert (n_train, positives) == (len(x_train), int(y_train.sum()))
    # load_data shuffles; as a set of rows, what a model sees is exactly the provider's test split
    assert [list(row) for row in test_rows] == sorted(map(list, x_test.tolist()))
    assert great < 30  # a sentiment word among the most frequent, so num_words keeps it
