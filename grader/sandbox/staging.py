"""Laying out a sandbox root on the host: job, submission copy, evaluation inputs, datasets."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.sandbox.base import SandboxRequest

LAYOUT = ("work", "home", "out", "tmp", "eval", "kernel")
# Made here so they belong to the kernel's user, not to the harness that names them in the
# environment (IPYTHONDIR, JUPYTER_RUNTIME_DIR: see grader.sandbox.common).
KERNEL_STATE = ("home/.ipython", "tmp/jupyter")


def stage(request: SandboxRequest, root: Path) -> Path:
    """Populate root and return the job file's path. The submission is copied, never moved."""
    for name in (*LAYOUT, *KERNEL_STATE):
        (root / name).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(request.notebook, root / request.job.notebook)
    for relative, content in request.files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if request.datasets:
        from grader.datasets.sandbox import provision_sandbox, served_downloads

        request.job.dataset_manifest = provision_sandbox(request.datasets, root)
        request.job.downloads = served_downloads(request.datasets)
    return request.job.write(root)
