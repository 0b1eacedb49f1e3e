"""Pretrained weights an instructor drops in the cache reach the sandbox exactly where torch's hub
looks for them (so torchvision loads them instead of downloading), and nothing appears without them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.datasets import get_provider, provision_sandbox
from grader.datasets.pretrained import TORCH_CHECKPOINTS


def test_a_provided_checkpoint_is_copied_where_torch_hub_looks(tmp_path):
    cache, root = tmp_path / "cache", tmp_path / "sandbox"
    assert provision_sandbox(["vgg16_imagenet"], root, cache) == {}  # none provided: random weights
    assert (cache / "public" / "vgg16_imagenet").is_dir()  # the folder an instructor drops the file into
    (cache / "public" / "vgg16_imagenet" / "vgg16-397923af.pth").write_bytes(b"weights")
    manifest = provision_sandbox(["vgg16_imagenet"], root, cache)
    assert list(manifest) == [f"{TORCH_CHECKPOINTS}/vgg16-397923af.pth"]
    hub = subprocess.run([sys.executable, "-c", "import torch; print(torch.hub.get_dir())"], check=True,
                         capture_output=True, text=True, env={"HOME": str(root / "home")}).stdout.strip()
    assert (root / TORCH_CHECKPOINTS).parent == type(root)(hub)
    assert (root / TORCH_CHECKPOINTS / "vgg16-397923af.pth").read_bytes() == b"weights"


def test_weights_have_no_evaluation_split(tmp_path):
    with pytest.raises(KeyError, match="pretrained weights, not a dataset"):
        get_provider("vgg16_imagenet").split(tmp_path, "test")
