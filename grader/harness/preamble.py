"""The first cell the kernel runs: determinism, a headless matplotlib, offline datasets, and the
probe module loaded before any student code can touch what it relies on."""

from __future__ import annotations

import json


def preamble_source(*, seed: int, threads: int, notebook_text: str, dataset_manifest: dict[str, str],
                    dataset_root: str) -> str:
    """Python source for the preamble cell. Frameworks are seeded only if the notebook mentions
    them, because importing TensorFlow to seed it would cost seconds on every submission."""
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
    if "torch" in notebook_text:
        lines += [
            "try:",
            "    import torch as _g_torch",
            f"    _g_torch.manual_seed({seed})",
            f"    _g_torch.set_num_threads({threads})",
            "except ImportError:",
            "    pass",
        ]
    if "tensorflow" in notebook_text or "keras" in notebook_text:
        lines += [
            "_g_os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')",
            "try:",
            "    import keras as _g_keras",
            f"    _g_keras.utils.set_random_seed({seed})",
            "except ImportError:",
            "    pass",
        ]
    if dataset_manifest:
        lines += [
            "from grader.datasets import keras_shim as _g_keras_shim",
            f"_g_keras_shim.install({json.dumps(dataset_manifest)}, {dataset_root!r})",
        ]
    lines.append("for _g_name in [n for n in globals() if n.startswith('_g_')]:\n    del globals()[_g_name]")
    return "\n".join(lines)
