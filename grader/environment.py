"""The grading environment a student can rely on, computed once for everyone who shows it:
`grader env` prints it, `grader release` pins it in the student bundle (requirements.txt,
ENVIRONMENT.md), and the known-breaks hints name its versions and stand-ins.

Versions come from the installed distributions' metadata, nothing is imported (importing torch or
TensorFlow takes seconds). The namespaces and unisolated sandboxes run notebooks with this very
interpreter, so this is their environment; a docker runtime image holds the grader's dependencies
and the assignment's `requirements:` as pip resolved them when it was built.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from grader.datasets import default_cache_dir, get_provider
from grader.datasets.base import DatasetProvider
from grader.i18n import N_, Text
from grader.spec.assignment import Assignment

# What the labs import, in the order a student reads them; `grader env` without an assignment
# shows these.
LAB_PACKAGES = ("torch", "torchvision", "tensorflow", "keras", "numpy", "scipy", "scikit-learn", "pandas",
                "matplotlib", "albumentations", "pillow", "tqdm")
# In every grading environment (the grader's own dependencies), so shown for every assignment.
BASICS = ("numpy", "scikit-learn", "pandas", "matplotlib", "tqdm")


@dataclass(frozen=True)
class Package:
    name: str
    version: str | None          # None: not installed where this was computed


@dataclass(frozen=True)
class StandIn:
    """A dataset (or pretrained checkpoint) the grader serves offline, and how many examples
    each of its public splits has in the cache; empty when the cache does not hold it yet."""

    dataset: str
    sizes: Mapping[str, int] = field(default_factory=dict)   # "train"/"test" -> examples
    weights: bool = False        # a pretrained checkpoint, not a dataset
    present: bool = False        # in this machine's cache

    def describe(self) -> Text:
        """"mnist: 12,000 train, 10,000 test", translatable (a known break's hint quotes it)."""
        if self.weights:
            return (N_("{dataset}: pretrained weights, provided", dataset=self.dataset) if self.present
                    else N_("{dataset}: pretrained weights, not provided", dataset=self.dataset))
        if not self.present:
            return N_("{dataset}: not generated on this machine yet (generated on first grading)", dataset=self.dataset)
        return N_("{dataset}: {sizes}", dataset=self.dataset,
                  sizes=", ".join(f"{count:,} {split}" for split, count in self.sizes.items()))


@dataclass(frozen=True)
class GradingEnvironment:
    python: str
    packages: tuple[Package, ...]
    gpus: tuple[str, ...]        # on this machine; a notebook gets them only from docker with --gpus
    stand_ins: tuple[StandIn, ...]
    offline: bool = True         # no sandbox has a network: every download fails

    def version(self, name: str) -> str | None:
        return next((p.version for p in self.packages if p.name == canonical(name)), None)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["stand_ins"] = [{**asdict(s), "sizes": dict(s.sizes)} for s in self.stand_ins]
        return data

    def device(self) -> str:
        if not self.gpus:
            return "CPU only (notebooks are graded without a GPU)"
        return (f"CPU (notebooks are graded without a GPU, except in the docker sandbox with --gpus; "
                f"this machine has {', '.join(self.gpus)})")

    def text(self) -> str:
        """The terminal form (`grader env`)."""
        width = max([len(p.name) for p in self.packages] + [6])
        lines = [f"{'python':<{width}}  {self.python}"]
        lines += [f"{p.name:<{width}}  {p.version or 'not installed'}" for p in self.packages]
        lines += ["", f"device: {self.device()}", "network: none (grading is offline: downloads fail)"]
        if self.stand_ins:
            lines += ["datasets, served offline from the grader's cache (generated stand-ins unless the instructor "
                      "put the real files there):"]
            lines += [f"  {s.describe()}" for s in self.stand_ins]
        return "\n".join(lines)

    def requirements_txt(self) -> str:
        """Pinned and pip-installable, so a student can rebuild the environment."""
        lines = [f"# The grading environment: Python {self.python}. Install with: pip install -r requirements.txt"]
        for package in self.packages:
            if package.version:
                lines.append(f"{package.name}=={package.version}")
            else:
                lines.append(f"# {package.name}: not installed where this bundle was made, so its version is unknown")
                lines.append(package.name)
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        """ENVIRONMENT.md of the student bundle."""
        rows = "\n".join(f"| {p.name} | {p.version or 'unknown'} |" for p in self.packages)
        data = "\n".join(f"- {s.describe()}" for s in self.stand_ins) or "- none"
        return f"""# The grading environment

Your notebook is graded with exactly these versions (`requirements.txt` beside this file pins
them: `pip install -r requirements.txt`):

| package | version |
|---|---|
| python | {self.python} |
{rows}

- Device: {self.device()}.
- Grading is offline: nothing can be downloaded and `!pip install` installs nothing. A package
  that is not listed here is not there.
- Datasets are served offline, where this lab's README says; they are generated stand-ins, smaller
  than the real sets, so use `len(...)` rather than fixed sizes:

{data}

Common breaks (Keras 2 code on Keras 3, torch 1 code on torch 2, Colab-only modules, CUDA calls
without a GPU) are explained next to the failing cell in your feedback.
"""


def grading_environment(assignment: Assignment | None = None, *, cache: Path | None = None) -> GradingEnvironment:
    """The environment for `assignment` (its requirements, its datasets and the basics), or for
    the labs in general."""
    names = LAB_PACKAGES if assignment is None else _assignment_packages(assignment)
    versions = installed_versions()
    cache = Path(cache or default_cache_dir())
    datasets = assignment.datasets if assignment is not None else _cached_datasets(cache)
    return GradingEnvironment(python=platform.python_version(),
                              packages=tuple(Package(n, versions.get(n)) for n in names),
                              gpus=gpus(), stand_ins=tuple(stand_in(name, cache) for name in datasets))


def _assignment_packages(assignment: Assignment) -> tuple[str, ...]:
    wanted = [canonical(requirement_name(r)) for r in assignment.requirements]
    return tuple(dict.fromkeys([*wanted, *BASICS]))


def _cached_datasets(cache: Path) -> list[str]:
    """The datasets this machine's cache holds (all the grader knows, without an assignment)."""
    folders = sorted(p.name for p in (cache / "public").glob("*") if p.is_dir())
    known = []
    for name in folders:
        try:
            get_provider(name)
        except KeyError:
            continue
        known.append(name)
    return known


@functools.lru_cache(maxsize=1)
def installed_versions() -> dict[str, str]:
    """Every installed distribution (canonical name) and its version."""
    versions: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(canonical(name), dist.version)
    return versions


@functools.lru_cache(maxsize=1)
def importable_modules() -> dict[str, str]:
    """Top-level modules a notebook can import -> the distribution that provides them (the
    standard library's as "python")."""
    modules = dict.fromkeys(sys.stdlib_module_names, "python")
    for module, dists in importlib.metadata.packages_distributions().items():
        modules[module] = canonical(dists[0])
    return modules


def canonical(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503): Scikit_Learn -> scikit-learn."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The name of a requirement such as `torch>=2.2` or `albumentations[extra]`."""
    return re.split(r"[\s\[<>=!~;@(]", requirement.strip(), maxsplit=1)[0]


def stand_in(name: str, cache: Path) -> StandIn:
    """The dataset's public split sizes in `cache`, read from the .npz headers (no array is
    loaded, nothing is generated); for pretrained weights, whether the checkpoint is there."""
    provider = get_provider(name)
    if isinstance(provider, DatasetProvider):
        sizes = split_sizes(provider.public_dir(cache) / provider.public_file)
        return StandIn(name, sizes, present=bool(sizes))
    return StandIn(name, weights=True, present=(provider.public_dir(cache) / provider.filename).is_file())


def split_sizes(public: Path) -> dict[str, int]:
    """{"train": n, "test": m} from the shapes of an .npz's x_<split> arrays ({"examples": n} for
    a single `x` the loader splits itself), {"rows": n} for a .csv; {} when it is missing or
    unreadable."""
    sizes: dict[str, int] = {}
    try:
        if public.suffix == ".csv":
            with public.open("rb") as rows:
                return {"rows": max(0, sum(1 for line in rows if line.strip()) - 1)}
        with zipfile.ZipFile(public) as archive:
            for member in archive.namelist():
                match = re.fullmatch(r"x(?:_(\w+))?\.npy", member)
                if match:
                    with archive.open(member) as stream:
                        shape = _npy_shape(stream)
                    if shape:
                        sizes[match.group(1) or "examples"] = int(shape[0])
    except (OSError, zipfile.BadZipFile, ValueError):
        return {}
    return sizes


def _npy_shape(stream: IO[bytes]) -> tuple[int, ...] | None:
    version = np.lib.format.read_magic(stream)
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        return None
    shape, _, _ = readers[version](stream)
    return tuple(shape)


@functools.lru_cache(maxsize=1)
def gpus() -> tuple[str, ...]:
    """The NVIDIA GPUs of this machine by name (none without nvidia-smi)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ()
    try:
        listed = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True,
                                timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(line.strip() for line in listed.stdout.splitlines() if line.strip()) if listed.returncode == 0 else ()

