"""Pretrained weights an instructor provides: nothing can be downloaded while grading, and weights
cannot be generated like a stand-in dataset, so a checkpoint put in the cache is handed to the
sandbox where torch looks for it, and a notebook that finds none runs with random weights.

`public/<name>/<file>` in the cache appears in the sandbox as
`~/.cache/torch/hub/checkpoints/<file>` (`torch.hub.get_dir()`), where torchvision's
`models.vgg16(weights=VGG16_Weights.IMAGENET1K_V1)` loads it without a download; a download of
download.pytorch.org/models/<file> into any other folder is answered with it
(grader/datasets/offline.py). Every `*.pth` in the folder goes along, not only the provider's own
file: an instructor whose students ask for another checkpoint (`vgg16_bn(pretrained=True)`) adds it
beside the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

TORCH_CHECKPOINTS = "home/.cache/torch/hub/checkpoints"


class PretrainedWeights:
    """One checkpoint file, provided to sandboxes when present; it has no splits to evaluate on."""

    def __init__(self, name: str, filename: str):
        self.name, self.filename = name, filename

    def public_dir(self, cache: Path) -> Path:
        return Path(cache) / "public" / self.name

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        """Each checkpoint in the folder and its place under torch's hub folder, or nothing when none
        was provided. The folder is created so that the instructor sees where the file goes (and
        docker can mount it)."""
        folder = self.public_dir(cache)
        folder.mkdir(parents=True, exist_ok=True)
        return [(checkpoint, f"{TORCH_CHECKPOINTS}/{checkpoint.name}")
                for checkpoint in sorted(folder.glob("*.pth")) if checkpoint.is_file()]

    def split(self, cache: Path, split: str) -> NoReturn:
        raise KeyError(f"{self.name} holds pretrained weights, not a dataset with a {split!r} split")
