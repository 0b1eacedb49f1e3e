"""Offline, learnable, procedural stand-ins for course datasets, in their real on-disk formats.

No grading machine can download MNIST, so each dataset is generated deterministically
into a cache (or taken from real files an instructor put there) and copied into each
sandbox where keras, torchvision or plain numpy code expects to find it.
"""

from grader.datasets.base import DatasetProvider
from grader.datasets.registry import default_cache_dir, get_dataset, get_provider
from grader.datasets.sandbox import provision_sandbox

__all__ = ["DatasetProvider", "default_cache_dir", "get_dataset", "get_provider", "provision_sandbox"]
