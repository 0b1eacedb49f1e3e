"""GPU slots for a batch on one machine: which GPUs, and how many submissions each takes at once.

By default a GPU holds one submission (a notebook may fill its memory); `--gpu-share N` lets N
small notebooks share one. Each submission's container is pinned to its slot's device.
"""

from __future__ import annotations

import queue
import shutil
import subprocess

from grader.errors import UsageError
from grader.spec.gpus import device_list


def parse_devices(text: str | None) -> list[str]:
    """"0,1" -> ["0", "1"]; "all" -> every GPU nvidia-smi lists; None -> no slots."""
    if not text:
        return []
    if text.strip() == "all":
        return _visible_gpus()
    devices = [device for device in device_list(text) if device]
    if not devices or not all(d.isdigit() for d in devices):
        raise UsageError(f"--gpu-devices {text!r}: give GPU indices like 0,1 or all")
    return devices


def _visible_gpus() -> list[str]:
    if shutil.which("nvidia-smi") is None:
        raise UsageError("--gpu-devices all: nvidia-smi is not installed, so no GPU can be found")
    listing = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
    devices = [line.strip() for line in listing.stdout.splitlines() if line.strip().isdigit()]
    if listing.returncode != 0 or not devices:
        raise UsageError(f"--gpu-devices all: nvidia-smi found no GPU ({listing.stderr.strip()[:200]})")
    return devices


class GpuSlots:
    """Submissions share GPUs by slot: `share` concurrent submissions per listed device."""

    def __init__(self, devices: list[str], share: int = 1) -> None:
        if share < 1:
            raise UsageError("--gpu-share must be at least 1")
        self.count = len(devices) * share
        self._free: queue.Queue[str] = queue.Queue()
        for _ in range(share):
            for device in devices:
                self._free.put(device)

    def acquire(self) -> str:
        return self._free.get()

    def release(self, device: str) -> None:
        self._free.put(device)
