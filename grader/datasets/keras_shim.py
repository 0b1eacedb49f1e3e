"""Let Keras and torchvision accept the dataset files the grader provisioned into a sandbox.

Why: `keras.datasets.mnist.load_data()` calls `keras.utils.get_file(..., file_hash=<sha256
of the real mnist.npz>)`. Our stand-in has a different hash, so Keras would decide the
local file is stale, try to re-download it (there is no network in a sandbox) and delete
it on failure. torchvision checks the md5 of each archive it downloads (MNIST, Fashion-MNIST,
CIFAR-10) and of each CIFAR-10 batch file. The stand-in CIFAR-10
has fewer images per batch than Keras's `cifar10.load_data` assumes (it fills fixed 10,000-row
slots), so that function is replaced by one that reads the batches at their own sizes.
`install()` runs in the student's kernel before any student code and wraps
`keras.src.utils.file_utils.validate_file` and torchvision's `check_integrity` (in
`torchvision.datasets.utils`, and the copy `torchvision.datasets.cifar` imported) so that a file
whose content is one the grader provisioned (same size and sha256 as a file in the manifest) counts
as valid wherever it lies: the staged copy itself, or a download the kernel answered with it
(grader/datasets/offline.py) in the notebook's own folder. Every other call behaves exactly as before.

It uses only the standard library and never imports Keras (importing TensorFlow costs
seconds): if Keras is not loaded yet, a `sys.meta_path` hook patches the module the first
time it is imported.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.machinery
import os
import sys
import types
from collections.abc import Callable, Sequence

KERAS_FILES = "keras.src.utils.file_utils"
KERAS_CIFAR10 = "keras.src.datasets.cifar10"
KERAS_CIFAR10_ALIASES = ("keras.datasets.cifar10", "keras.api.datasets.cifar10")
TORCHVISION_UTILS = "torchvision.datasets.utils"
TORCHVISION_CIFAR = "torchvision.datasets.cifar"
ACCEPTS_PROVISIONED = "__grader_accepts_provisioned__"  # marks a wrapped check, so none is wrapped twice


def _sha256(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Provisioned:
    """The contents the grader provisioned, by size and sha256: a file with one of them is a
    provisioned file wherever it lies. Sizes first, so that other files are never hashed."""

    def __init__(self, manifest: dict[str, str], root: str) -> None:
        self._digests = set(manifest.values())
        staged = [os.path.join(root, relative) for relative in manifest]
        self._sizes = {os.path.getsize(path) for path in staged if os.path.isfile(path)}

    def accepts(self, fpath: str | os.PathLike[str]) -> bool:
        return (os.path.isfile(fpath) and os.path.getsize(fpath) in self._sizes
                and _sha256(fpath) in self._digests)


def _hash_check_patch(attribute: str) -> Callable[[types.ModuleType, Provisioned], None]:
    """A patch that makes `module.<attribute>(fpath, ...)` (Keras's validate_file, torchvision's
    check_integrity) also pass a provisioned file. The original check runs first: it is cheap
    when there is no hash to compare, and real files pass it."""
    def patch(module: types.ModuleType, provisioned: Provisioned) -> None:
        original: Callable[..., bool] = getattr(module, attribute)
        if getattr(original, ACCEPTS_PROVISIONED, False):  # cifar's copy of the already patched utils one
            return

        @functools.wraps(original)
        def check(fpath: str | os.PathLike[str], *args: object, **kwargs: object) -> bool:
            return original(fpath, *args, **kwargs) or provisioned.accepts(fpath)

        setattr(check, ACCEPTS_PROVISIONED, True)
        setattr(module, attribute, check)

    return patch


def _patch_cifar10(module: types.ModuleType, provisioned: Provisioned) -> None:
    """Keras's own steps (get_file with its hash, load_batch per file) without fixed batch sizes."""
    original: Callable[..., object] = module.load_data

    @functools.wraps(original)
    def load_data() -> tuple[tuple[object, object], tuple[object, object]]:
        np = module.np
        path = module.get_file(fname="cifar-10-batches-py-target",
                               origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", extract=True,
                               file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
        path = os.path.join(path, "cifar-10-batches-py")
        train = [module.load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
        x_train = np.concatenate([x for x, _ in train]).astype("uint8")
        y_train = np.concatenate([np.asarray(y) for _, y in train]).astype("uint8").reshape(-1, 1)
        x_test, y_test = module.load_batch(os.path.join(path, "test_batch"))
        x_test, y_test = np.asarray(x_test, "uint8"), np.asarray(y_test, "uint8").reshape(-1, 1)
        if module.backend.image_data_format() == "channels_last":
            x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
        return (x_train, y_train), (x_test, y_test)

    setattr(module, "load_data", load_data)  # noqa: B010 - ModuleType declares no attributes to assign
    for alias in KERAS_CIFAR10_ALIASES:  # the public modules bound the original when already imported
        if getattr(sys.modules.get(alias), "load_data", None) is original:
            setattr(sys.modules[alias], "load_data", load_data)  # noqa: B010 - as above


PATCHES: dict[str, Callable[[types.ModuleType, Provisioned], None]] = {
    KERAS_FILES: _hash_check_patch("validate_file"), KERAS_CIFAR10: _patch_cifar10,
    TORCHVISION_UTILS: _hash_check_patch("check_integrity"), TORCHVISION_CIFAR: _hash_check_patch("check_integrity")}


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then patches the freshly executed module."""

    def __init__(self, loader: importlib.abc.Loader, provisioned: Provisioned,
                 patch: Callable[[types.ModuleType, Provisioned], None]) -> None:
        self._loader = loader
        self._provisioned = provisioned
        self._patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        self._patch(module, self._provisioned)

    def __getattr__(self, name: str) -> object:
        return getattr(self._loader, name)  # get_source, get_resource_reader, ...


class _Finder(importlib.abc.MetaPathFinder):
    """Intercepts the first import of each module in `pending`; removes itself when none is left."""

    def __init__(self, provisioned: Provisioned, pending: set[str]) -> None:
        self._provisioned = provisioned
        self._pending = pending

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self._pending:
            return None
        self._pending.discard(fullname)
        if not self._pending:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, self._provisioned, PATCHES[fullname])
                return spec
        return None


def install(manifest: dict[str, str], root: str) -> None:
    """Accept the contents of the files in `manifest` ({path relative to root: sha256}) in Keras's
    and torchvision's hash checks."""
    provisioned = Provisioned(manifest, root)
    pending = set()
    for name, patch in PATCHES.items():
        if name in sys.modules:
            patch(sys.modules[name], provisioned)
        else:
            pending.add(name)
    if pending:
        sys.meta_path.insert(0, _Finder(provisioned, pending))
