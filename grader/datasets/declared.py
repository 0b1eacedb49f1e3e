"""A dataset from the course's own files (assignment.yaml's `own_datasets`), behind the same
provider interface as the built-in stand-ins: its public splits are shipped in the student bundle
and staged into each sandbox at the path the author declared, below the notebook's folder; its
hidden split is read on the host only, for `metric` checks. `declaration_problems` says what is
wrong with a declaration's files, for the spec error that names its line."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import numpy as np

from grader.datasets.base import DatasetProvider
from grader.datasets.readers import Split, UnreadableSplit, read_split, split_files

NOTEBOOK_FOLDER = "work"  # the kernel's working folder in a sandbox (grader.harness.job.HarnessJob.workdir)
HIDDEN = "hidden"


class Declaration(Protocol):
    """What the provider reads of an `own_datasets` entry (grader.spec.assignment.OwnDataset)."""

    @property
    def format(self) -> str: ...

    @property
    def label(self) -> str | None: ...

    @property
    def folder(self) -> Path: ...

    def splits(self) -> dict[str, str]: ...


Problem = tuple[tuple[str, ...], str]  # (where under own_datasets.<name>, e.g. ("public", "train"); message)


class DeclaredDataset(DatasetProvider):
    """An author's dataset: nothing to generate, every split read from the declared files."""

    def __init__(self, name: str, declaration: Declaration) -> None:
        self.name = name
        self.declaration = declaration

    def path(self, split: str) -> Path:
        """Where a declared split lies (an absolute hidden path stays as it is)."""
        return self.declaration.folder / self.declaration.splits()[split]

    def public_files(self) -> list[tuple[Path, str]]:
        """(file, its path relative to the assignment folder) for every file of the public splits:
        what the bundle ships, at the path the notebook reads it from."""
        files = []
        for split, declared in self.declaration.splits().items():
            if split == HIDDEN:
                continue
            root, relative = self.path(split), posixpath.normpath(declared)
            files += [(file, relative if file == root else posixpath.join(relative, file.relative_to(root).as_posix()))
                      for file in split_files(self.declaration.format, root)]
        return files

    def sandbox_files(self, cache: Path | None = None) -> list[tuple[Path, str]]:
        """The public files below the notebook's folder, where the starter finds them in the bundle."""
        return [(file, f"{NOTEBOOK_FOLDER}/{relative}") for file, relative in self.public_files()]

    def public_dir(self, cache: Path | None = None) -> Path:
        return self.declaration.folder

    def ensure(self, cache: Path | None = None) -> None:
        """Nothing to generate: the files are the author's (checked when the spec was loaded)."""

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The declared split: an author's hidden split is fixed, so every draw of it is this one."""
        return self.split(Path(), split)

    def split(self, cache: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split not in self.declaration.splits():
            raise KeyError(f"own dataset {self.name!r} declares no {split} split")
        read = self.read(split)
        return read.inputs, read.labels

    def read(self, split: str) -> Split:
        path = self.path(split)
        return _read_once(self.declaration.format, path, self.declaration.label, _stamp(self.declaration.format, path))


@functools.lru_cache(maxsize=16)
def _read_once(fmt: str, path: Path, label: str | None, stamp: tuple) -> Split:
    """A split read once while its files are unchanged (`stamp`): a class's grading evaluates every
    submission on it. Its arrays are read-only, as they are shared."""
    split = read_split(fmt, path, label)
    split.inputs.flags.writeable = False
    split.labels.flags.writeable = False
    return split


def _stamp(fmt: str, path: Path) -> tuple:
    """Each file's name, size and modification time: a change to any of them reads the split again."""
    return tuple(_file_stamp(file) for file in (split_files(fmt, path) if path.exists() else []))


def _file_stamp(file: Path) -> tuple:
    status = file.stat() if file.exists() else None
    return (str(file), status.st_size, status.st_mtime_ns) if status else (str(file),)


def declaration_problems(name: str, declaration: Declaration) -> list[Problem]:
    """Everything wrong with a declaration's files: a missing or unreadable file, inputs and labels
    that do not pair up, a hidden split inside the assignment folder (which `grader release`
    bundles) or shipped through a public one, splits whose samples differ in shape or classes."""
    dataset = DeclaredDataset(name, declaration)
    folder = declaration.folder.resolve()
    problems: list[Problem] = []
    read: dict[str, Split] = {}
    for split in declaration.splits():
        where = (HIDDEN,) if split == HIDDEN else ("public", split)
        if split == HIDDEN and dataset.path(HIDDEN).resolve().is_relative_to(folder):
            problems.append((where, f"{dataset.path(HIDDEN)} is inside the assignment folder {folder}, which "
                                    "grader release ships to students; keep the hidden split outside it "
                                    f"(e.g. ../../hidden/{name}/)"))
            continue
        try:
            read[split] = dataset.read(split)
        except UnreadableSplit as exc:
            problems.append((where, str(exc)))
    if HIDDEN in read:
        hidden = dataset.path(HIDDEN).resolve()
        shipped = [file for file, _ in dataset.public_files() if file.resolve().is_relative_to(hidden)]
        if shipped:
            problems.append((("public",), f"{shipped[0]} is (a link to) the hidden split {hidden}: public files are "
                                          "shipped to students"))
    return problems + _inconsistent(read)


def _inconsistent(read: dict[str, Split]) -> list[Problem]:
    """Each split against the first: one shape per sample, and (images) the same class folders,
    since a class's number is its place among them."""
    if not read:
        return []
    first_name, first = next(iter(read.items()))
    problems: list[Problem] = []
    for split, other in list(read.items())[1:]:
        where = (HIDDEN,) if split == HIDDEN else ("public", split)
        if other.inputs.shape[1:] != first.inputs.shape[1:]:
            problems.append((where, f"each input has shape {other.inputs.shape[1:]}, but in the {first_name} split "
                                    f"{first.inputs.shape[1:]}: every split's samples have one shape"))
        if other.classes != first.classes:
            problems.append((where, f"has the class folders {', '.join(other.classes or ())}, but the {first_name} "
                                    f"split {', '.join(first.classes or ())}: a class's label is its place among the "
                                    "sorted folders, so every split has the same ones (a folder may be empty)"))
    return problems


def sandbox_copies(own: Mapping[str, Declaration]) -> dict[str, bytes]:
    """{path in the sandbox: content} of every own dataset's public files. They travel with the
    job as its files (to any backend, and to a Ray node that has no course folder) and are written
    there as real files, never links into the course. Every job shares one copy of the bytes
    while the files are unchanged: a class's jobs are all planned before the first one runs."""
    copies: dict[str, bytes] = {}
    for name, declaration in own.items():
        files = tuple(DeclaredDataset(name, declaration).sandbox_files())
        copies.update(_read_copies(files, tuple(_file_stamp(source) for source, _ in files)))
    return copies


@functools.lru_cache(maxsize=8)
def _read_copies(files: tuple[tuple[Path, str], ...], stamp: tuple) -> dict[str, bytes]:
    return {destination: source.read_bytes() for source, destination in files}
