"""The first cell the kernel runs: determinism, a headless matplotlib, offline datasets and downloads, and the
probe module loaded before any student code can touch what it relies on (with references to the
framework functions it needs kept aside: grader.probe.introspect.tamper)."""

from __future__ import annotations

import json
import re


def imports(notebook_text: str, *modules: str) -> bool:
    """Whether a cell imports one of modules: mentioning "keras" in a path or a comment must not
    drag TensorFlow into a PyTorch notebook (seconds of start-up, and the two can crash together)."""
    names = "|".join(re.escape(m) for m in modules)
    return re.search(rf"^\s*(import|from)\s+({names})\b", notebook_text, re.M) is not None


def preamble_source(*, seed: int, threads: int, notebook_text: str, dataset_manifest: dict[str, str],
                    downloads: dict[str, dict[str, str]], dataset_root: str) -> str:
    """Python source for the preamble cell. Frameworks are seeded only if the notebook imports
    them, because importing TensorFlow to seed it would cost seconds on every submission. Downloads
    are answered offline in every notebook, with or without datasets (grader.datasets.offline)."""
    lines = [
        "import os as _g_os, random as _g_random",
        "_g_os.environ.setdefault('MPLBACKEND', 'Agg')",
        f"_g_random.seed({seed})",
        "import grader.probe.runtime",
        "try:",
        "    import numpy as _g_np",
        f"    _g_np.random.seed({seed})",
        "except ImportError:",
        "    pass",
    ]
    if imports(notebook_text, "torch", "torchvision"):
        lines += [
            "try:",
            "    import torch as _g_torch",
            f"    _g_torch.manual_seed({seed})",
            f"    _g_torch.set_num_threads({threads})",
            "    _g_torch.backends.cudnn.benchmark = False",   # cuDNN's autotuner picks kernels by timing
            "    _g_torch.backends.cudnn.deterministic = True",
            "except ImportError:",
            "    pass",
        ]
    if imports(notebook_text, "tensorflow", "keras", "tf_keras"):
        if imports(notebook_text, "torch", "torchvision"):
            # PyPI torch's Triton segfaults when it is loaded after TensorFlow (torchvision loads it):
            # a notebook using Keras's loaders beside torch would die at `import torchvision`.
            lines += ["try:", "    import triton as _g_triton", "except ImportError:", "    pass"]
        lines += [
            "try:",
            "    import keras as _g_keras",
            f"    _g_keras.utils.set_random_seed({seed})",
            "except ImportError:",
            "    pass",
        ]
    lines += [
        "from grader.datasets import offline as _g_offline",
        f"_g_offline.install({json.dumps(downloads)}, {dataset_root!r})",
    ]
    if dataset_manifest:
        lines += [
            "from grader.datasets import keras_shim as _g_keras_shim",
            f"_g_keras_shim.install({json.dumps(dataset_manifest)}, {dataset_root!r})",
        ]
    lines += [  # after the framework imports above, before any student cell
        "from grader.probe.introspect import tamper as _g_tamper",
        "_g_tamper.guard_frameworks()",
        "for _g_name in [n for n in globals() if n.startswith('_g_')]:\n    del globals()[_g_name]",
    ]
    return "\n".join(lines)
