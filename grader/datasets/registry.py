"""Known datasets by name: the built-in ones, and an assignment's own (its `own_datasets`); and
where the built-in ones' cache lives."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from grader.datasets.airline import AirlineProvider
from grader.datasets.base import DatasetProvider
from grader.datasets.blobs2d import Blobs2dProvider
from grader.datasets.boston_housing import BostonHousingProvider
from grader.datasets.cifar10 import Cifar10Provider
from grader.datasets.declared import Declaration, DeclaredDataset
from grader.datasets.fashion_mnist import FashionMnistProvider
from grader.datasets.imdb import ImdbProvider
from grader.datasets.mnist import MnistProvider
from grader.datasets.pretrained import PretrainedWeights
from grader.datasets.shapes import ShapesProvider

_PROVIDERS: dict[str, DatasetProvider | PretrainedWeights] = {
    p.name: p for p in (MnistProvider(), FashionMnistProvider(), Blobs2dProvider(), ShapesProvider(), ImdbProvider(),
                        BostonHousingProvider(), AirlineProvider(), Cifar10Provider(),
                        PretrainedWeights("vgg16_imagenet", "vgg16-397923af.pth"),
                        PretrainedWeights("resnet18_imagenet", "resnet18-f37072fd.pth"))}


def default_cache_dir() -> Path:
    """$GRADER_DATA_DIR if set, else ~/.cache/grader/datasets."""
    configured = os.environ.get("GRADER_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "grader" / "datasets"


def get_provider(name: str) -> DatasetProvider | PretrainedWeights:
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(_PROVIDERS))}") from None


def built_in_datasets() -> list[DatasetProvider]:
    """Every built-in dataset with splits (not the pretrained weights), e.g. to fill a cache ahead."""
    return [p for p in _PROVIDERS.values() if isinstance(p, DatasetProvider)]


def is_built_in(name: str) -> bool:
    return name in _PROVIDERS


def get_dataset(name: str, own: Mapping[str, Declaration] | None = None) -> DatasetProvider:
    """A provider with splits the host can read (evaluation, statistics, judges): not weights. `own`:
    the assignment's own datasets by name (`Assignment.own_datasets`), which never share a built-in's."""
    if own and name in own:
        return DeclaredDataset(name, own[name])
    provider = get_provider(name)
    if not isinstance(provider, DatasetProvider):
        datasets = sorted(n for n, p in _PROVIDERS.items() if isinstance(p, DatasetProvider))
        raise KeyError(f"{name!r} holds pretrained weights, not a dataset with splits; datasets: {', '.join(datasets)}")
    return provider
