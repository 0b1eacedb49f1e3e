"""Offline, learnable, procedural stand-ins for course datasets, in their real on-disk formats.

No grading machine can download MNIST, so each dataset is generated deterministically
into a cache (or taken from real files an instructor put there) and copied into each
sandbox where keras, torchvision or plain numpy code expects to find it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.datasets.base import DatasetProvider
    from grader.datasets.registry import default_cache_dir, get_dataset, get_provider
    from grader.datasets.sandbox import provision_sandbox

__all__ = ["DatasetProvider", "default_cache_dir", "get_dataset", "get_provider", "provision_sandbox"]

# Loaded on first use (PEP 562): every kernel's preamble imports grader.datasets.offline and
# keras_shim (standard library only), and must not pay for numpy, Pillow and every provider.
_HOMES = {"DatasetProvider": "base", "default_cache_dir": "registry", "get_dataset": "registry",
          "get_provider": "registry", "provision_sandbox": "sandbox"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
