"""The fashion_mnist stand-in: the real Keras and torchvision loaders read it offline, the
garments are learnable (but similar classes get confused), and the hidden split is held out."""

from __future__ import annotations

import gzip
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

pytestmark = pytest.mark.slow  # every test reads the generated Fashion-MNIST stand-in; one trains on it

REPO = Path(__file__).resolve().parents[1]
PULLOVER, COAT, SHIRT, TROUSER = 2, 4, 6, 1


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cache")
    get_provider("fashion_mnist").ensure(path)
    return path


def test_garments_are_learnable_and_tops_are_confusable(cache: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import confusion_matrix

    provider = get_provider("fashion_mnist")
    x, y = provider.split(cache, "train")
    x_test, y_test = provider.split(cache, "test")
    assert x.shape == (6000, 28, 28) and x.dtype == np.uint8 and set(np.unique(y)) == set(range(10))
    model = LogisticRegression(max_iter=200).fit(x[:3000].reshape(3000, -1) / 255, y[:3000])
    predicted = model.predict(x_test.reshape(len(x_test), -1) / 255)
    assert 0.75 < (predicted == y_test).mean() < 0.98
    confusion = confusion_matrix(y_test, predicted)
    tops = [PULLOVER, COAT, SHIRT]
    assert confusion[np.ix_(tops, tops)].sum() - np.trace(confusion[np.ix_(tops, tops)]) > \
        confusion[TROUSER].sum() - confusion[TROUSER, TROUSER]


def test_hidden_split_is_held_out(cache: Path) -> None:
    provider = get_provider("fashion_mnist")
    hidden, hidden_y = provider.split(cache, "hidden")
    public = {row.tobytes() for split in ("train", "test") for row in provider.split(cache, split)[0]}
    assert hidden.shape == (1000, 28, 28) and len(np.unique(hidden_y)) == 10
    assert not {row.tobytes() for row in hidden} & public
    assert provider.hidden_seed(cache) not in {seed for parts in provider.public_parts.values() for seed, _ in parts}


def test_keras_and_torchvision_loaders_read_the_stand_in_offline(cache: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["fashion_mnist"], root, cache)
    (root / "work").mkdir(exist_ok=True)
    gz = root / "home/.keras/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    assert gzip.decompress(gz.read_bytes()) == (root / "work/data/FashionMNIST/raw/t10k-images-idx3-ubyte").read_bytes()
    script = textwrap.dedent(f"""
        import json
        from grader.datasets.keras_shim import install
        install({manifest!r}, {str(root)!r})
        import keras
        (x, y), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        print(json.dumps([list(x.shape), str(x.dtype), int(y.sum()), int(x_test[:50].sum())]))
    """)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"}
    env.update(HOME=str(root / "home"), PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-c", script], cwd=root / "work", env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    shape, dtype, label_sum, test_pixels = json.loads(done.stdout.splitlines()[-1])
    x_train, y_train = get_provider("fashion_mnist").split(cache, "train")
    x_test, _ = get_provider("fashion_mnist").split(cache, "test")
    assert (shape, dtype, label_sum) == ([6000, 28, 28], "uint8", int(y_train.sum()))
    assert test_pixels == int(x_test[:50].sum())
    if importlib.util.find_spec("torchvision") is None:
        return
    script = ("import torchvision; d = torchvision.datasets.FashionMNIST('data', train=False, download=True); "
              "print(len(d), int(d.data[:50].sum()))")
    done = subprocess.run([sys.executable, "-c", script], cwd=root / "work", env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == [str(len(x_test)), str(test_pixels)]
