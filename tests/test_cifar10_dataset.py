"""The cifar10 stand-in: read by the real Keras and torchvision loaders offline, learnable, hidden split apart."""

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

from grader.datasets.cifar10 import SIZES
from grader.datasets.registry import get_provider
from grader.datasets.sandbox import provision_sandbox

pytestmark = pytest.mark.slow  # every test reads the generated CIFAR-10 stand-in; some train on it or start Python

REPO = Path(__file__).resolve().parents[1]
PROVIDER = get_provider("cifar10")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def _run_in_sandbox(root: Path, manifest: dict[str, str], body: str, *, import_first: str = "") -> list:
    """Run `body` in a fresh interpreter laid out like a sandbox kernel (HOME, cwd, shim installed)."""
    script = textwrap.dedent(f"""
        import json
        {import_first}
        from grader.datasets.keras_shim import install
        install({manifest!r}, {str(root)!r})
    """) + textwrap.dedent(body)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"}
    env.update(HOME=str(root / "home"), PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-c", script], cwd=root / "work", env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def _fingerprint(cache: Path, split: str) -> list:
    x, y = PROVIDER.split(cache, split)
    return [list(x.shape), int(x.astype(np.int64).sum()), int(y.astype(np.int64).sum())]


def test_splits_have_cifar_shapes_and_balanced_classes(cache: Path) -> None:
    for split, size in SIZES.items():
        x, y = PROVIDER.split(cache, split)
        assert x.shape == (size, 32, 32, 3) and x.dtype == np.uint8
        assert np.bincount(y, minlength=10).tolist() == [size // 10] * 10


def test_hidden_split_is_not_a_public_one(cache: Path) -> None:
    hidden, _ = PROVIDER.split(cache, "hidden")
    for split in ("train", "test"):
        public, _ = PROVIDER.split(cache, split)
        assert not np.array_equal(hidden[:50], public[:50])
    assert not any(str(PROVIDER.hidden_path(cache)) in str(src) for src, _ in PROVIDER.sandbox_files(cache))


def test_learnable_but_not_trivial(cache: Path) -> None:
    """Pixels carry the class (well above the 0.1 of chance) yet a linear model is far from perfect."""
    from sklearn.linear_model import LogisticRegression

    x, y = PROVIDER.split(cache, "train")
    x_test, y_test = PROVIDER.split(cache, "test")
    features = lambda images: images[:, ::2, ::2].reshape(len(images), -1) / 255.0  # noqa: E731
    model = LogisticRegression(max_iter=200).fit(features(x[:2000]), y[:2000])
    accuracy = model.score(features(x_test), y_test)
    assert 0.3 < accuracy < 0.9, accuracy


@pytest.mark.parametrize("order", ["before", "after"])
def test_torchvision_cifar10_reads_the_stand_in(cache: Path, tmp_path: Path, order: str) -> None:
    """torchvision checks each batch's md5 against the real files'; the shim accepts provisioned ones,
    whether torchvision was imported before the shim was installed or after."""
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("torchvision is not installed")
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["cifar10"], root, cache)
    got = _run_in_sandbox(root, manifest, """
        import torchvision
        train = torchvision.datasets.CIFAR10(root="data", train=True, download=True)
        test = torchvision.datasets.CIFAR10(root="data", train=False, download=False)
        print(json.dumps([[list(d.data.shape), int(d.data.astype("int64").sum()), int(sum(d.targets))]
                          for d in (train, test)] + [train.classes[:2]]))
    """, import_first="import torchvision.datasets" if order == "after" else "")
    assert got == [_fingerprint(cache, "train"), _fingerprint(cache, "test"), ["airplane", "automobile"]]


def test_torchvision_still_rejects_a_tampered_batch(cache: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("torchvision is not installed")
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["cifar10"], root, cache)
    with open(root / "work/data/cifar-10-batches-py/data_batch_1", "ab") as f:
        f.write(b"tampered")
    got = _run_in_sandbox(root, manifest, """
        import torchvision
        try:
            torchvision.datasets.CIFAR10(root="data", train=True, download=False)
            print(json.dumps(["loaded"]))
        except RuntimeError as error:
            print(json.dumps([str(error)[:30]]))
    """)
    assert got == ["Dataset not found or corrupted"]


@pytest.mark.parametrize("order", ["before", "after"])
def test_keras_cifar10_load_data_reads_the_stand_in(cache: Path, tmp_path: Path, order: str) -> None:
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["cifar10"], root, cache)
    got = _run_in_sandbox(root, manifest, """
        import keras
        (x, y), (x_test, y_test) = keras.datasets.cifar10.load_data()
        print(json.dumps([[list(a.shape), int(a.astype("int64").sum()), int(b.astype("int64").sum()), list(b.shape)]
                          for a, b in ((x, y), (x_test, y_test))]))
    """, import_first="import keras" if order == "after" else "")
    expected = [_fingerprint(cache, split) + [[SIZES[split], 1]] for split in ("train", "test")]
    assert got == expected
