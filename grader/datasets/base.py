"""What every dataset provider shares: the cache layout, the held-out split and `split()`.

Layout under a cache directory:
    public/<name>/...        train + test, in the on-disk format(s) students' loaders read
    hidden/<name>/hidden.npz held-out evaluation split (keys x, y); never given to a sandbox
    hidden/<name>/seed       the secret seed the hidden split was generated from
    hidden/<name>/judge-*.npz the sample judge (grader/judge.py), where a lab has one
Everything under hidden/ is this user's alone: files 0600, folders 0700, tightened on each use
(`hidden_dir`), so another local user cannot read the held-out labels.

Files already in the cache are never overwritten, so an instructor can drop in the real
dataset; only what is missing is generated. Public splits come from fixed seeds (every machine
gives students the same data); the hidden split comes from a random seed made once per cache
and kept beside it, because a seed in the grader's public source would let a notebook
regenerate the hidden labels.

A public split may grow after labs were calibrated on it: its new rows are appended from their own
fixed seed (`drawn_in_parts`), so its first rows stay what they were. A cache that still holds an
earlier, shorter stand-in of this grader's making is replaced on first use (`earlier_stand_in`);
files whose rows are not exactly ours are never touched.
"""

from __future__ import annotations

import secrets
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from grader.datasets.files import (
    HOST_ONLY_FILE,
    exclusive_lock,
    host_only_folder,
    load_npz,
    npz_bytes,
    write_atomic,
    write_once,
)

PUBLIC_SPLITS = ("train", "test")


class DatasetProvider(ABC):
    """One dataset: how to generate its stand-in and where its files go."""

    name: str
    public_file: str  # .npz under public/<name>/ with keys x_train, y_train, x_test, y_test
    public_seeds: dict[str, int]  # {"train": ..., "test": ...}: fixed, so every cache agrees

    @abstractmethod
    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Stand-in (inputs, labels) for "train", "test" or "hidden", determined by `seed`."""

    @abstractmethod
    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        """(absolute file under cache/public, destination relative to a sandbox root) pairs.
        Calls ensure() first."""

    def public_dir(self, cache: Path) -> Path:
        return Path(cache) / "public" / self.name

    def hidden_path(self, cache: Path) -> Path:
        return Path(cache) / "hidden" / self.name / "hidden.npz"

    def hidden_dir(self, cache: Path) -> Path:
        """hidden/<name>, created or tightened so that only this user can read it (files 0600,
        folders 0700): call it before reading or writing anything there."""
        return host_only_folder(Path(cache) / "hidden" / self.name)

    def hidden_seed(self, cache: Path) -> int:
        """The cache's secret seed for the hidden split, created on first use."""
        path = self.hidden_dir(cache) / "seed"
        if not path.exists():
            write_once(path, str(secrets.randbits(63)).encode())
        return int(path.read_text())

    def ensure(self, cache: Path) -> None:
        """Create whatever files are missing; idempotent and safe to run concurrently."""
        public = self.public_dir(cache) / self.public_file
        if self.earlier_stand_in(cache):
            self._remove_earlier_stand_in(cache)
        self.hidden_dir(cache)
        hidden = self.hidden_path(cache)
        if not hidden.exists():
            if public.exists():
                warnings.warn(
                    f"{public} was provided but {hidden} was not; the generated stand-in hidden "
                    "split may not match the provided data's distribution", stacklevel=2)
            x, y = self.generate("hidden", self.hidden_seed(cache))
            write_atomic(hidden, npz_bytes({"x": x, "y": y}), mode=HOST_ONLY_FILE)
        if not public.exists():
            write_atomic(public, npz_bytes(self.public_arrays(cache)))
        self.write_derived(cache)

    def public_arrays(self, cache: Path) -> dict[str, np.ndarray]:
        """Contents for a missing public .npz; subclasses may recover them from other files."""
        arrays: dict[str, np.ndarray] = {}
        for split in PUBLIC_SPLITS:
            arrays[f"x_{split}"], arrays[f"y_{split}"] = self.public_split(split)
        return arrays

    def public_split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """A public split as this grader generates it, from fixed seeds."""
        return self.generate(split, self.public_seeds[split])

    def write_derived(self, cache: Path) -> None:  # noqa: B027 - an optional hook, not abstract
        """Write other public formats derived from the .npz; nothing by default."""

    def derived_files(self, cache: Path) -> list[Path]:
        """The files write_derived makes, removed with an earlier stand-in's .npz; none by default."""
        return []

    def earlier_stand_in(self, cache: Path) -> bool:
        """Whether public/<name> holds a stand-in an earlier grader generated with other sizes
        (then it is replaced); False by default, for a dataset whose stand-in never changed."""
        return False

    def _remove_earlier_stand_in(self, cache: Path) -> None:
        """Delete the earlier stand-in's public files, derived ones first and the .npz last, under a
        lock: a grader that also found it waits, then finds it gone; ensure() regenerates as usual."""
        public = self.public_dir(cache)
        with exclusive_lock(public / ".replace.lock"):
            if not self.earlier_stand_in(cache):
                return
            for path in [*self.derived_files(cache), public / self.public_file]:
                path.unlink(missing_ok=True)

    def split(self, cache: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, labels) of "train", "test" (public) or "hidden" (held out)."""
        self.ensure(cache)
        if split == "hidden":
            arrays = load_npz(self.hidden_path(cache), ("x", "y"))
            return arrays["x"], arrays["y"]
        if split not in PUBLIC_SPLITS:
            raise ValueError(f"unknown split {split!r}; expected train, test or hidden")
        keys = (f"x_{split}", f"y_{split}")
        arrays = load_npz(self.public_dir(cache) / self.public_file, keys)
        return arrays[f"x_{split}"], arrays[f"y_{split}"]


def drawn_in_parts(draw: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
                   parts: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, labels) of `draw(seed, rows)` for each (seed, rows) part, one after another: a
    split that grows gains a part and keeps its first rows."""
    drawn = [draw(seed, rows) for seed, rows in parts]
    return np.concatenate([x for x, _ in drawn]), np.concatenate([y for _, y in drawn])
