"""The URLs the usual loaders download each provided file from, so that a sandbox answers them with
the staged copy (grader/datasets/offline.py) whatever root or path the notebook passes.

Taken from the installed libraries, not from memory (tests/test_offline_downloads.py compares):
torchvision's `MNIST.mirrors` and `FashionMNIST.mirrors` + their `resources`, `CIFAR10.url`; the
`origin` of Keras 3's `keras.datasets.<name>.load_data`; torchvision's model weights, which
`torch.hub.load_state_dict_from_url` fetches from download.pytorch.org/models/<file>. Keyed by
dataset and by the file's path under the cache's public/<dataset>/.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from grader.datasets.base import DatasetProvider
from grader.datasets.pretrained import PretrainedWeights

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
FASHION_MNIST_MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
CIFAR10_ARCHIVE = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
# The lesson's series as tutorials fetch it; the grader's file ends in 1959 (1960 is held out).
AIRLINE_CSV = "https://raw.githubusercontent.com/jbrownlee/Datasets/master/airline-passengers.csv"
TORCH_MODELS = "https://download.pytorch.org/models/"
IDX_ARCHIVES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

ORIGINS: dict[str, dict[str, tuple[str, ...]]] = {
    "mnist": {"mnist.npz": (f"{KERAS_DATASETS}mnist.npz",),
              **{name: tuple(mirror + name for mirror in MNIST_MIRRORS) for name in IDX_ARCHIVES}},
    "fashion_mnist": {name: (KERAS_DATASETS + name, FASHION_MNIST_MIRROR + name) for name in IDX_ARCHIVES},
    "cifar10": {"cifar-10-python.tar.gz": (CIFAR10_ARCHIVE,)},
    "imdb": {name: (KERAS_DATASETS + name,) for name in ("imdb.npz", "imdb_word_index.json")},
    "boston_housing": {"boston_housing.npz": (f"{KERAS_DATASETS}boston_housing.npz",)},
    "airline": {"airline-passengers.csv": (AIRLINE_CSV,)},
}


def origins(provider: DatasetProvider | PretrainedWeights, public_file: str) -> tuple[str, ...]:
    """The URLs of `public_file` (its path under the provider's public folder); none for the
    grader's own data (blobs2d, shapes)."""
    if isinstance(provider, PretrainedWeights):
        return (TORCH_MODELS + PurePosixPath(public_file).name,)
    return ORIGINS.get(provider.name, {}).get(public_file, ())
