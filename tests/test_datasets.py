"""grader.datasets: real on-disk formats, determinism, learnability, sandbox layout, keras shim."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from grader.datasets import DatasetProvider, default_cache_dir, get_provider, provision_sandbox
from grader.datasets.base import drawn_in_parts
from grader.datasets.files import npz_rows
from grader.datasets.render import render_digits

pytestmark = pytest.mark.slow  # generates the MNIST stand-in (several times), trains on it, starts Keras

REPO = Path(__file__).resolve().parents[1]
IDX = {  # file -> (npz key, magic)
    "train-images-idx3-ubyte": ("x_train", 2051),
    "train-labels-idx1-ubyte": ("y_train", 2049),
    "t10k-images-idx3-ubyte": ("x_test", 2051),
    "t10k-labels-idx1-ubyte": ("y_test", 2049),
}


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything that falls back to the default cache writes into tmp, never the real home."""
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated cache shared by the read-only tests (generation takes seconds)."""
    path = tmp_path_factory.mktemp("cache")
    for name in ("mnist", "blobs2d"):
        get_provider(name).ensure(path)
    return path


def read_idx(data: bytes) -> tuple[int, np.ndarray]:
    """An independent IDX reader: (magic, array)."""
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    return magic, np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(shape)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1) / 255.0


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("GRADER_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "grader" / "datasets"


def test_unknown_dataset_lists_known_names() -> None:
    with pytest.raises(KeyError, match="blobs2d.*mnist"):
        get_provider("imagenet")
    assert isinstance(get_provider("mnist"), DatasetProvider)


def test_mnist_npz_has_the_keras_layout(cache: Path) -> None:
    with np.load(cache / "public" / "mnist" / "mnist.npz", allow_pickle=False) as f:
        assert sorted(f.files) == ["x_test", "x_train", "y_test", "y_train"]
        shapes = {key: (f[key].shape, f[key].dtype) for key in f.files}
        assert set(np.unique(f["y_train"])) == set(range(10))
    assert shapes == {"x_train": ((12000, 28, 28), np.uint8), "y_train": ((12000,), np.uint8),
                      "x_test": ((10000, 28, 28), np.uint8), "y_test": ((10000,), np.uint8)}


def test_mnist_test_split_has_the_real_size_and_keeps_its_earlier_rows(cache: Path) -> None:
    """A notebook written for the real MNIST indexes and reshapes 10,000 test images; the first
    2,000 are the whole test split of graders before it grew, so labs calibrated on them keep them."""
    x_test, y_test = get_provider("mnist").split(cache, "test")
    assert x_test[7270].shape == (28, 28) and x_test.reshape(10000, 784).shape == (10000, 784)
    earlier_x, earlier_y = render_digits(1_000_002, 2000)
    np.testing.assert_array_equal(x_test[:2000], earlier_x)
    np.testing.assert_array_equal(y_test[:2000], earlier_y)
    assert set(np.unique(y_test[2000:])) == set(range(10))
    assert not {r.tobytes() for r in x_test[2000:]} & {r.tobytes() for r in earlier_x}


def _earlier_mnist_cache(cache: Path, folder: Path) -> Path:
    """A copy of `cache`'s MNIST with the 2,000-image test split an earlier grader generated."""
    provider = get_provider("mnist")
    shutil.copytree(cache / "hidden" / "mnist", folder / "hidden" / "mnist")
    x_train, y_train = provider.split(cache, "train")
    x_test, y_test = render_digits(1_000_002, 2000)
    public = provider.public_dir(folder)
    public.mkdir(parents=True)
    np.savez(public / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    provider.write_derived(folder)
    return folder


def test_a_cache_with_the_earlier_mnist_is_regenerated(cache: Path, tmp_path: Path) -> None:
    """The earlier stand-in's public files (the .npz and the IDX files made from it) are replaced
    by exactly what a fresh cache holds; the hidden split and its seed are kept."""
    old = _earlier_mnist_cache(cache, tmp_path / "old")
    provider = get_provider("mnist")
    assert provider.earlier_stand_in(old) and not provider.earlier_stand_in(cache)
    hidden_before = tree_bytes(old / "hidden")
    provider.ensure(old)
    provider.ensure(old)
    fresh = tree_bytes(cache / "public" / "mnist")
    upgraded = tree_bytes(old / "public" / "mnist")
    assert {k: v for k, v in upgraded.items() if not k.endswith(".lock")} == fresh
    assert tree_bytes(old / "hidden") == hidden_before
    assert not provider.earlier_stand_in(old)


def test_provided_mnist_with_the_earlier_sizes_is_kept(tmp_path: Path) -> None:
    """Real data of the earlier stand-in's sizes is not ours: its labels differ, so it stays."""
    public = tmp_path / "public" / "mnist"
    public.mkdir(parents=True)
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.integers(0, 256, (12000, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 12000, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2000, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 2000, dtype=np.uint8)}
    np.savez(public / "mnist.npz", **arrays)
    assert npz_rows(public / "mnist.npz", "x_test") == 2000
    assert not get_provider("mnist").earlier_stand_in(tmp_path)


def test_drawn_in_parts_appends_each_part() -> None:
    def draw(seed: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        return np.full((rows, 2), seed), np.arange(rows)

    x, y = drawn_in_parts(draw, [(7, 3), (9, 2)])
    assert x[:, 0].tolist() == [7, 7, 7, 9, 9] and y.tolist() == [0, 1, 2, 0, 1]


def test_mnist_idx_files_match_the_npz_byte_for_byte(cache: Path) -> None:
    public = cache / "public" / "mnist"
    npz = np.load(public / "mnist.npz")
    for name, (key, magic) in IDX.items():
        raw = (public / name).read_bytes()
        array = npz[key]
        assert raw[:4] == bytes([0, 0, 0x08, array.ndim]) and read_idx(raw)[0] == magic
        assert raw[4:4 + 4 * array.ndim] == b"".join(struct.pack(">I", d) for d in array.shape)
        np.testing.assert_array_equal(read_idx(raw)[1], array)
        assert gzip.decompress((public / f"{name}.gz").read_bytes()) == raw


def test_generation_is_deterministic(cache: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    for name in ("mnist", "blobs2d"):
        get_provider(name).ensure(fresh)
        get_provider(name).ensure(fresh)  # idempotent
    assert tree_bytes(fresh / "public") == tree_bytes(cache / "public")


def test_hidden_split_comes_from_a_secret_seed_per_cache(cache: Path, tmp_path: Path) -> None:
    """The public source must not let a notebook regenerate the hidden labels: each cache draws
    its own seed (kept private beside the split), and the split is the one that seed makes."""
    for name in ("mnist", "blobs2d"):
        provider = get_provider(name)
        seed_file = cache / "hidden" / name / "seed"
        assert seed_file.stat().st_mode & 0o077 == 0
        other = tmp_path / "other"
        provider.ensure(other)
        assert (other / "hidden" / name / "seed").read_text() != seed_file.read_text()
        x, y = provider.split(cache, "hidden")
        x_again, y_again = provider.generate("hidden", int(seed_file.read_text()))
        np.testing.assert_array_equal(x, x_again)
        np.testing.assert_array_equal(y, y_again)
        assert (provider.hidden_seed(cache), provider.hidden_seed(cache)) == (int(seed_file.read_text()),) * 2


def test_mnist_is_learnable_but_not_trivial(cache: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    mnist = get_provider("mnist")
    x, y = mnist.split(cache, "train")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 100 lbfgs iterations are enough to show learnability
        model = LogisticRegression(max_iter=100).fit(flat(x[:4000]), y[:4000])
    for split in ("test", "hidden"):
        x_eval, y_eval = mnist.split(cache, split)
        accuracy = model.score(flat(x_eval), y_eval)
        assert 0.85 <= accuracy < 0.99, (split, accuracy)


def test_hidden_split_is_held_out(cache: Path) -> None:
    for name in ("mnist", "blobs2d"):
        provider = get_provider(name)
        x_test, _ = provider.split(cache, "test")
        x_hidden, y_hidden = provider.split(cache, "hidden")
        assert x_hidden.shape[1:] == x_test.shape[1:] and len(y_hidden) == len(x_hidden)
        assert not {r.tobytes() for r in x_hidden} & {r.tobytes() for r in x_test}


def test_blobs2d_needs_a_hidden_layer(cache: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    blobs = get_provider("blobs2d")
    x, y = blobs.split(cache, "train")
    x_test, y_test = blobs.split(cache, "test")
    assert x.shape == (800, 2) and x.dtype == np.float64 and x_test.shape == (400, 2)
    assert y.dtype.kind == "i" and set(np.unique(y)) == {0, 1}
    assert LogisticRegression().fit(x, y).score(x_test, y_test) < 0.70
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning is irrelevant here
        mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, random_state=0).fit(x, y)
    assert mlp.score(x_test, y_test) > 0.90
    assert mlp.score(*blobs.split(cache, "hidden")) > 0.90


def test_unknown_split_is_rejected(cache: Path) -> None:
    with pytest.raises(ValueError, match="unknown split"):
        get_provider("blobs2d").split(cache, "validation")


def test_provision_sandbox_copies_public_files_where_loaders_look(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_DATA_DIR", str(cache))
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["mnist", "blobs2d"], root)
    raw = "work/data/MNIST/raw/"
    assert set(manifest) == {"home/.keras/datasets/mnist.npz", "work/data/blobs2d.npz",
                             *(raw + name for name in IDX), *(raw + name + ".gz" for name in IDX)}
    for relative, digest in manifest.items():
        path = root / relative
        assert path.is_file() and not path.is_symlink()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    hidden = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (cache / "hidden").rglob("*.npz")}
    assert not hidden & set(manifest.values())
    assert (root / "home/.keras/datasets/mnist.npz").read_bytes() == \
        (cache / "public/mnist/mnist.npz").read_bytes()


def _instructor_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"x_train": rng.integers(0, 256, (64, 28, 28), dtype=np.uint8),
            "y_train": rng.integers(0, 10, 64, dtype=np.uint8),
            "x_test": rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
            "y_test": rng.integers(0, 10, 16, dtype=np.uint8)}


def test_provided_mnist_npz_is_kept_and_feeds_the_idx_files(tmp_path: Path) -> None:
    public = tmp_path / "public" / "mnist"
    public.mkdir(parents=True)
    arrays = _instructor_arrays()
    np.savez_compressed(public / "mnist.npz", **arrays)
    before = (public / "mnist.npz").read_bytes()
    with pytest.warns(UserWarning, match="hidden split may not match"):
        get_provider("mnist").ensure(tmp_path)
    assert (public / "mnist.npz").read_bytes() == before
    for name, (key, _) in IDX.items():
        np.testing.assert_array_equal(read_idx((public / name).read_bytes())[1], arrays[key])
    np.testing.assert_array_equal(get_provider("mnist").split(tmp_path, "train")[0], arrays["x_train"])


def test_provided_idx_files_are_kept_and_feed_the_npz(tmp_path: Path) -> None:
    public = tmp_path / "public" / "mnist"
    public.mkdir(parents=True)
    arrays = _instructor_arrays()
    for name, (key, magic) in IDX.items():
        array = arrays[key]
        header = struct.pack(f">{1 + array.ndim}I", magic, *array.shape)
        (public / name).write_bytes(header + array.tobytes())
    before = tree_bytes(public)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no hidden split is provided; the stand-in is used
        x_test, y_test = get_provider("mnist").split(tmp_path, "test")
    assert {k: v for k, v in tree_bytes(public).items() if k in before} == before
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


_STANDIN_FILE_UTILS = '''
import hashlib

def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    with open(fpath, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest() == file_hash

def get_file(fpath, file_hash):
    return validate_file(fpath, file_hash)
'''

_SHIM_PROBE = '''
import json, sys
from grader.datasets.keras_shim import install
manifest, root, order = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
if order == "after":
    import keras.src.utils.file_utils
install(manifest, root)
from keras.src.utils import file_utils
real_hash = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
accepted = file_utils.get_file(root + "/home/.keras/datasets/mnist.npz", real_hash)
with open(root + "/work/data/blobs2d.npz", "ab") as f:
    f.write(b"tampered")
tampered = file_utils.get_file(root + "/work/data/blobs2d.npz", real_hash)
print(json.dumps([accepted, tampered]))
'''


@pytest.mark.parametrize("order", ["before", "after"])
def test_keras_shim_accepts_only_provisioned_files(cache: Path, tmp_path: Path, order: str) -> None:
    """The import hook against a minimal on-disk stand-in of Keras's file_utils module, so the
    shim is exercised even where Keras is not installed; the next test uses the real Keras."""
    standin = tmp_path / "standin" / "keras" / "src" / "utils"
    standin.mkdir(parents=True)
    (standin / "file_utils.py").write_text(_STANDIN_FILE_UTILS)
    for package in (standin, standin.parent, standin.parent.parent):  # regular packages shadow an installed Keras
        (package / "__init__.py").touch()
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["mnist", "blobs2d"], root, cache)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "standin"), str(REPO)])}
    result = subprocess.run([sys.executable, "-c", _SHIM_PROBE, json.dumps(manifest), str(root), order],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, False]


def test_keras_load_data_offline_with_shim(cache: Path, tmp_path: Path) -> None:
    # find_spec, not importorskip: importing Keras (and TensorFlow) here would cost seconds and
    # leave global state in the test process; the real import happens in the subprocess.
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    root = tmp_path / "sandbox"
    manifest = provision_sandbox(["mnist"], root, cache)
    script = textwrap.dedent(f"""
        import json
        from grader.datasets.keras_shim import install
        install({manifest!r}, {str(root)!r})
        import keras
        (x, y), (x_test, y_test) = keras.datasets.mnist.load_data()
        print(json.dumps([x.shape, int(x.sum()), x_test.shape, int(y_test.sum())]))
    """)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"}
    env.update(HOME=str(root / "home"), PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-c", script], cwd=root / "work", env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    x, y, x_test, y_test = get_provider("mnist").split(cache, "train") + get_provider("mnist").split(cache, "test")
    assert json.loads(result.stdout.splitlines()[-1]) == [list(x.shape), int(x.sum()), list(x_test.shape),
                                                          int(y_test.sum())]


def test_torchvision_mnist_loads_offline(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torchvision = pytest.importorskip("torchvision")
    root = tmp_path / "sandbox"
    provision_sandbox(["mnist"], root, cache)
    monkeypatch.chdir(root / "work")
    for train, split in ((True, "train"), (False, "test")):
        dataset = torchvision.datasets.MNIST(root="data", train=train, download=True)
        x, y = get_provider("mnist").split(cache, split)
        np.testing.assert_array_equal(dataset.data.numpy(), x)
        np.testing.assert_array_equal(dataset.targets.numpy(), y)
