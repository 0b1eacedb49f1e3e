"""The published grading environment (grader/environment.py): versions from metadata, split sizes
from the cache's file headers, the bundle's requirements.txt and ENVIRONMENT.md, `grader env`.
Pure or file-level: no kernel, no framework import."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from packaging.requirements import Requirement

from conftest import FIXTURE_COURSE, REPO


def test_split_sizes_come_from_the_npz_headers(tmp_path):
    from grader.environment import split_sizes

    np.savez(tmp_path / "d.npz", x_train=np.zeros((7, 3, 2), np.uint8), y_train=np.zeros(7),
             x_test=np.zeros((5, 3, 2), np.uint8), y_test=np.zeros(5))
    assert split_sizes(tmp_path / "d.npz") == {"train": 7, "test": 5}
    np.savez(tmp_path / "one.npz", x=np.zeros((506, 13)), y=np.zeros(506))
    assert split_sizes(tmp_path / "one.npz") == {"examples": 506}
    (tmp_path / "series.csv").write_text("Month,Passengers\n1949-01,112\n1949-02,118\n\n")
    assert split_sizes(tmp_path / "series.csv") == {"rows": 2}
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    assert split_sizes(tmp_path / "broken.npz") == {} and split_sizes(tmp_path / "absent.npz") == {}


def test_stand_ins_read_the_cache_without_generating_anything(tmp_path):
    from grader.environment import StandIn, stand_in

    assert stand_in("mnist", tmp_path) == StandIn("mnist", {}, present=False)
    assert not (tmp_path / "public" / "mnist").exists()
    np.savez(_mkdir(tmp_path / "public" / "mnist") / "mnist.npz", x_train=np.zeros((12, 28, 28)),
             x_test=np.zeros((3, 28, 28)), y_train=np.zeros(12), y_test=np.zeros(3))
    mnist = stand_in("mnist", tmp_path)
    assert mnist.sizes == {"train": 12, "test": 3} and str(mnist.describe()) == "mnist: 12 train, 3 test"
    assert str(stand_in("vgg16_imagenet", tmp_path).describe()) == "vgg16_imagenet: pretrained weights, not provided"
    (_mkdir(tmp_path / "public" / "vgg16_imagenet") / "vgg16-397923af.pth").write_bytes(b"weights")
    assert stand_in("vgg16_imagenet", tmp_path).present


def test_the_assignment_environment_is_its_requirements_the_basics_and_its_datasets(toy, tmp_path):
    from grader.environment import BASICS, grading_environment

    spec = toy.spec.model_copy(update={"requirements": ["scipy>=1.10", "Scikit_Learn"]})
    environment = grading_environment(spec, cache=tmp_path)
    assert [p.name for p in environment.packages] == ["scipy", "scikit-learn", *[b for b in BASICS if b != "scikit-learn"]]
    for package in environment.packages:
        assert package.version == importlib.metadata.version(package.name)
    assert environment.python == platform.python_version() and environment.offline
    assert [s.dataset for s in environment.stand_ins] == ["blobs2d"]
    assert environment.version("SciPy") == importlib.metadata.version("scipy")


def test_requirements_txt_pins_every_package_and_pip_can_read_it(toy, tmp_path):
    from grader.environment import grading_environment

    spec = toy.spec.model_copy(update={"requirements": ["numpy", "surely-not-installed-here"]})
    text = grading_environment(spec, cache=tmp_path).requirements_txt()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    requirements = [Requirement(line) for line in lines]
    pinned = {r.name: str(r.specifier) for r in requirements}
    assert pinned["numpy"] == f"=={np.__version__}" and pinned["tqdm"] == f"=={importlib.metadata.version('tqdm')}"
    assert pinned["surely-not-installed-here"] == ""  # listed, unpinned, under a comment saying why
    assert "# surely-not-installed-here: not installed where this bundle was made" in text


def test_environment_md_says_versions_device_offline_and_sizes(toy, tmp_path):
    from grader.environment import GradingEnvironment, Package, StandIn

    environment = GradingEnvironment(python="3.11.7", packages=(Package("keras", "3.15.1"), Package("seaborn", None)),
                                     gpus=(), stand_ins=(StandIn("mnist", {"train": 12000, "test": 2000}, present=True),))
    text = environment.markdown()
    assert "| keras | 3.15.1 |" in text and "| seaborn | unknown |" in text and "| python | 3.11.7 |" in text
    assert "without a GPU" in text and "offline" in text and "mnist: 12,000 train, 2,000 test" in text
    with_gpu = GradingEnvironment(python="3.11.7", packages=(), gpus=("NVIDIA H200",), stand_ins=())
    assert "docker sandbox with --gpus; this machine has NVIDIA H200" in with_gpu.text()


def test_gpus_are_what_nvidia_smi_lists(tmp_path, monkeypatch):
    from grader import environment

    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA H200'\necho 'NVIDIA H200'\n")
    fake.chmod(0o755)
    environment.gpus.cache_clear()
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    try:
        assert environment.gpus() == ("NVIDIA H200", "NVIDIA H200")
        environment.gpus.cache_clear()
        monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
        assert environment.gpus() == ()
    finally:
        environment.gpus.cache_clear()


def test_grader_env_prints_the_environment(tmp_path):
    env = {**os.environ, "GRADER_DATA_DIR": str(tmp_path), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "grader", "env", "--course", str(FIXTURE_COURSE)]
    shown = subprocess.run([*command, "toy", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["offline"] is True and data["python"] == platform.python_version()
    assert {p["name"]: p["version"] for p in data["packages"]}["tqdm"] == importlib.metadata.version("tqdm")
    assert data["stand_ins"] == [{"dataset": "blobs2d", "sizes": {}, "weights": False, "present": False}]
    text = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert text.returncode == 0 and re.search(r"^torch\s+\S+", text.stdout, re.M) and "grading is offline" in text.stdout
    unknown = subprocess.run([*command, "nope"], capture_output=True, text=True, env=env, timeout=120)
    assert unknown.returncode == 2 and "unknown assignment 'nope'" in unknown.stderr


def test_release_puts_the_pinned_environment_in_the_bundle(toy, tmp_path):
    from grader.release import release

    bundle = release(toy, tmp_path / "out", data_cache=tmp_path / "cache")
    requirements = [Requirement(line) for line in (bundle / "requirements.txt").read_text().splitlines()
                    if line and not line.startswith("#")]
    assert all(str(r.specifier).startswith("==") for r in requirements)
    assert {r.name for r in requirements} >= {"numpy", "tqdm"}
    described = (bundle / "ENVIRONMENT.md").read_text()
    assert f"| tqdm | {importlib.metadata.version('tqdm')} |" in described and "blobs2d" in described


def test_tqdm_is_pinned_alike_wherever_the_environment_is_declared():
    """pyproject's dependency, constraints.txt, the docker test image (scripts/docker-setup.sh and
    TEST_REQUIREMENTS, which must stay in step) all agree on tqdm."""
    assert re.search(r'^\s*"tqdm>=[\d.]+"', (REPO / "pyproject.toml").read_text(), re.M)
    pin = re.search(r"^tqdm==([\d.]+)$", (REPO / "constraints.txt").read_text(), re.M).group(1)
    setup = re.search(r"^REQUIREMENTS=\((.*)\)$", (REPO / "scripts" / "docker-setup.sh").read_text(), re.M).group(1)
    in_setup = tuple(re.findall(r"--requirement (\S+)", setup))
    tests = re.search(r"^TEST_REQUIREMENTS = \((.*)\)$", (REPO / "tests" / "test_docker_sandbox.py").read_text(),
                      re.M).group(1)
    assert in_setup == tuple(re.findall(r'"([^"]+)"', tests))
    assert f"tqdm=={pin}" in in_setup


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path

