"""Let Keras accept the dataset files the grader provisioned into a sandbox.

Why: `keras.datasets.mnist.load_data()` calls `keras.utils.get_file(..., file_hash=<sha256
of the real mnist.npz>)`. Our stand-in has a different hash, so Keras would decide the
local file is stale, try to re-download it (there is no network in a sandbox) and delete
it on failure. `install()` runs in the student's kernel before any student code and wraps
`keras.src.utils.file_utils.validate_file` so that a file the grader provisioned (inside
`root`, listed in the manifest) whose content still has the manifest's sha256 counts as
valid; every other call behaves exactly as before.

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

TARGET = "keras.src.utils.file_utils"


def _sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _patch(module: types.ModuleType, provisioned: dict[str, str]) -> None:
    original: Callable[..., bool] = module.validate_file

    @functools.wraps(original)
    def validate_file(fpath: str | os.PathLike[str], *args: object, **kwargs: object) -> bool:
        expected = provisioned.get(os.path.realpath(fpath))
        if expected is not None and os.path.isfile(fpath) and _sha256(fpath) == expected:
            return True
        return original(fpath, *args, **kwargs)

    module.validate_file = validate_file


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then patches the freshly executed module."""

    def __init__(self, loader: importlib.abc.Loader, provisioned: dict[str, str]) -> None:
        self._loader = loader
        self._provisioned = provisioned

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        _patch(module, self._provisioned)

    def __getattr__(self, name: str) -> object:
        return getattr(self._loader, name)  # get_source, get_resource_reader, ...


class _Finder(importlib.abc.MetaPathFinder):
    """Intercepts the one import of TARGET, then removes itself."""

    def __init__(self, provisioned: dict[str, str]) -> None:
        self._provisioned = provisioned

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, self._provisioned)
                return spec
        return None


def install(manifest: dict[str, str], root: str) -> None:
    """Accept the files in `manifest` ({path relative to root: sha256}) in Keras's hash check."""
    provisioned = {os.path.realpath(os.path.join(root, rel)): digest for rel, digest in manifest.items()}
    if TARGET in sys.modules:
        _patch(sys.modules[TARGET], provisioned)
    else:
        sys.meta_path.insert(0, _Finder(provisioned))
