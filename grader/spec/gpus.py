"""The GPUs a submission asks for (`resources.gpus` in assignment.yaml, `--gpus`), read by one
parser: the docker sandbox turns it into device requests, a Ray task into a GPU count, a GPU
slot pins it to one device."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.errors import UsageError

ALL = -1                              # GpuRequest.count: every GPU the machine has
_DEVICE_ID = r"\d+|(GPU|MIG)-[0-9A-Za-z/-]+"


@dataclass(frozen=True)
class GpuRequest:
    """`all` (count ALL), a count of any GPUs, or the ids of particular devices."""

    count: int = 0
    devices: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """As `--gpus` and assignment.yaml write it."""
        if self.devices:
            return "device=" + ",".join(self.devices)
        return "all" if self.count == ALL else str(self.count)

    @property
    def scheduled(self) -> int:
        """How many GPUs a scheduler reserves for it (`all` reserves one)."""
        return len(self.devices) or (1 if self.count == ALL else self.count)


def parse_gpus(value: str | None) -> GpuRequest | None:
    """None for no GPU; else `all`, a count such as 2, or device ids (`device=0,2`, a comma list
    such as `0,1`, GPU-/MIG- UUIDs), as `docker run --gpus` reads them. Anything else is a usage
    error."""
    if not value:
        return None
    text = str(value).strip()
    if text == "all":
        return GpuRequest(count=ALL)
    if text.isdigit() and int(text) > 0:
        return GpuRequest(count=int(text))
    ids = device_list(text.removeprefix("device="))
    if not text.isdigit() and all(re.fullmatch(_DEVICE_ID, part) for part in ids):
        return GpuRequest(devices=tuple(ids))
    raise UsageError(f"--gpus {value!r}: use all, a count such as 2, or device ids such as device=0, 0,1 or GPU-<uuid>")


def device_list(text: str) -> list[str]:
    """A comma-separated list of device ids, each stripped."""
    return [part.strip() for part in text.split(",")]
