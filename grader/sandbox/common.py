"""What the sandbox backends share: the environment a notebook sees, and how much of a sandbox's
own output the host keeps."""

from __future__ import annotations

import os
from pathlib import PurePath

LOG_TAIL_BYTES = 64 * 1024


def sandbox_environment(root: PurePath, *, threads: int, python_dir: str, package_parent: str, backend: str,
                        hide_gpus: bool = True, pathsep: str = os.pathsep) -> dict[str, str]:
    """Only what the notebook needs; nothing from the grader's own environment leaks in. `root` is
    the sandbox folder as the notebook sees it (a host path for `local`, /sandbox in a container)."""
    environment = {
        "PATH": pathsep.join([python_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(root / "home"),
        "TMPDIR": str(root / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": package_parent,
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",   # set and dict-of-str iteration order the same on every run
        "MPLBACKEND": "Agg",
        "IPYTHONDIR": str(root / "home" / ".ipython"),
        "JUPYTER_RUNTIME_DIR": str(root / "tmp" / "jupyter"),
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "OPENBLAS_NUM_THREADS": str(threads),
        # OpenMP workers (PyTorch's CPU kernels) sleep when idle instead of spinning: with two
        # sandboxes on two cores, spinning threads starve each other (a small CNN's training step
        # took 6x the wall time).
        "OMP_WAIT_POLICY": "PASSIVE",
        "MALLOC_ARENA_MAX": "2",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "CUDA_VISIBLE_DEVICES": "",
        "GRADER_SANDBOX": backend,
    }
    if not hide_gpus:
        del environment["CUDA_VISIBLE_DEVICES"]
    return environment
