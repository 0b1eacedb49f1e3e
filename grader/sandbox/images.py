"""Runtime images for the docker sandbox: the tag an assignment needs, building it from the
Dockerfiles shipped in grader/sandbox/images/ (online, or offline from a local wheelhouse for
air-gapped machines), and reusing it when it is already there.

An image holds Python with the grader's dependencies plus the assignment's `requirements`. Its tag
is `grader-runtime:<grader version>-<flavor>-<digest>`, the digest covering the Dockerfile and the
package list, so a new grader version or changed requirements name a new image (which is then
built) while an unchanged one is found and reused. The base image is recorded as a label, not in
the tag: grading finds the image by what it contains, and a build with another base replaces it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import platform
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grader import __version__
from grader.errors import InfrastructureError, UsageError

REPOSITORY = "grader-runtime"
DEFAULT_BASE = "python:3.11-slim-bookworm"
FLAVORS = ("cpu", "cuda")
IMAGE_FILES = Path(__file__).resolve().parent / "images"
LABEL = "org.grader"
# PyTorch publishes CPU-only and CUDA builds on its own indexes; PyPI's Linux torch is the CUDA one.
TORCH_INDEX = {"cpu": "https://download.pytorch.org/whl/cpu", "cuda": "https://download.pytorch.org/whl/cu124"}
TORCH_PACKAGES = {"torch", "torchvision", "torchaudio"}


@dataclass(frozen=True)
class Recipe:
    """What goes into a runtime image: a flavor and the assignment's extra requirements."""

    flavor: str = "cpu"
    requirements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.flavor not in FLAVORS:
            raise UsageError(f"unknown image flavor {self.flavor!r}; use one of {', '.join(FLAVORS)}")

    @property
    def packages(self) -> list[str]:
        """The grader's own runtime dependencies (the harness imports them), then the assignment's."""
        extra = [r for r in sorted(set(self.requirements)) if r not in grader_requirements()]
        return grader_requirements() + extra

    @property
    def dockerfile(self) -> str:
        return (IMAGE_FILES / f"Dockerfile.{self.flavor}").read_text(encoding="utf-8")

    @property
    def tag(self) -> str:
        content = json.dumps({"flavor": self.flavor, "packages": self.packages, "dockerfile": self.dockerfile})
        return f"{REPOSITORY}:{__version__}-{self.flavor}-{hashlib.sha256(content.encode()).hexdigest()[:12]}"

    def torch_options(self, torch_index: str | None) -> list[str]:
        """Pip options that make `torch` resolve to this flavor's build, if torch is wanted at all.
        torch_index: a URL, "auto" for the flavor's PyTorch index, None for none (pip's own
        configuration decides, e.g. a find-links folder with a CPU wheel)."""
        index = TORCH_INDEX[self.flavor] if torch_index == "auto" else torch_index
        if not index or not {_name(r) for r in self.packages} & TORCH_PACKAGES:
            return []
        return ["--extra-index-url", index]


@dataclass(frozen=True)
class BuildOutcome:
    tag: str
    reused: bool
    seconds: float
    size: int


def grader_requirements() -> list[str]:
    """Requirements of the installed grader distribution, without optional extras."""
    requires = importlib.metadata.requires("grader") or []
    return [r for r in requires if not re.search(r"extra\s*==", r)]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def find_image(client: Any, tag: str, *, base: str | None = None) -> Any | None:
    """The image with this tag (and, if given, built on this base), or None."""
    import docker.errors

    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    if base is not None and (image.labels or {}).get(f"{LABEL}.base") != base:
        return None
    return image


def build_image(client: Any, recipe: Recipe, *, base: str = DEFAULT_BASE, wheelhouse: Path | None = None,
                torch_index: str | None = "auto", rebuild: bool = False,
                log: Callable[[str], None] = lambda line: None) -> BuildOutcome:
    """Build recipe's image on base, or reuse it when it exists with that base. With a wheelhouse
    pip installs only from it (`--no-index`); otherwise from PyPI (and PyTorch's index for torch,
    see Recipe.torch_options)."""
    import docker.errors

    started = time.monotonic()
    existing = None if rebuild else find_image(client, recipe.tag, base=base)
    if existing is not None:
        return BuildOutcome(recipe.tag, reused=True, seconds=time.monotonic() - started, size=existing.attrs["Size"])
    if wheelhouse is not None:
        if not Path(wheelhouse).is_dir():
            raise UsageError(f"wheelhouse {wheelhouse} is not a folder; fill one with `grader image wheelhouse`")
        pip_options = ["--no-index"]
    else:
        pip_options = recipe.torch_options(torch_index)
    labels = {f"{LABEL}.version": __version__, f"{LABEL}.flavor": recipe.flavor, f"{LABEL}.base": base,
              f"{LABEL}.packages": json.dumps(recipe.packages)}
    with tempfile.TemporaryFile() as context:
        _write_context(context, recipe, wheelhouse)
        context.seek(0)
        try:
            stream = client.api.build(fileobj=context, custom_context=True, tag=recipe.tag, rm=True, forcerm=True,
                                      decode=True, labels=labels,
                                      buildargs={"BASE": base, "PIP_OPTIONS": " ".join(pip_options)})
            _follow(stream, log, recipe.tag, base)
            client.images.prune(filters={"dangling": True, "label": f"{LABEL}.stage=build"})
        except docker.errors.APIError as exc:
            raise InfrastructureError(f"building {recipe.tag} failed: {exc.explanation or exc}") from exc
    image = client.images.get(recipe.tag)
    return BuildOutcome(recipe.tag, reused=False, seconds=time.monotonic() - started, size=image.attrs["Size"])


def _write_context(target: Any, recipe: Recipe, wheelhouse: Path | None) -> None:
    """The build context as a tar: Dockerfile, requirements.txt and wheels/ (the wheelhouse's wheels)."""
    with tarfile.open(fileobj=target, mode="w") as tar:
        for name, text in (("Dockerfile", recipe.dockerfile), ("requirements.txt", "\n".join(recipe.packages) + "\n")):
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        folder = tarfile.TarInfo("wheels")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(folder)
        for wheel in sorted(Path(wheelhouse).glob("*.whl")) if wheelhouse else []:
            tar.add(wheel, arcname=f"wheels/{wheel.name}")


def _follow(stream: Any, log: Callable[[str], None], tag: str, base: str) -> None:
    """Pass build output to log; turn a failed step into an error that says what to do."""
    for chunk in stream:
        if "error" in chunk:
            message = str(chunk["error"]).strip()
            if re.search(r"pull access denied|dial tcp|lookup .* on|no such host|manifest unknown|TLS handshake", message):
                message += (f"\nthe base image {base} is not on this machine and cannot be pulled: build a base "
                            "without a registry (scripts/docker-setup.sh) or pass --base IMAGE (docs/docker.md)")
            elif "No matching distribution" in message or "returned a non-zero code" in message:
                message += "\npip could not install the requirements; offline builds need every wheel in the wheelhouse"
            raise InfrastructureError(f"building {tag} failed: {message}")
        for line in str(chunk.get("stream", "")).splitlines():
            if line.strip():
                log(line.rstrip())


def download_wheelhouse(directory: Path, recipe: Recipe, *, python_version: str = "3.11",
                        torch_index: str | None = "auto", log: Callable[[str], None] = lambda line: None) -> int:
    """Download every wheel recipe's image needs into directory, for the Python and architecture
    of the image (not this host's), using this host's pip and its configuration. Returns how many
    wheels the folder holds."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    machine = platform.machine()
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in (28, 17)] + [f"manylinux2014_{machine}"]
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--dest", str(directory),
               "--only-binary=:all:", "--implementation", "cp", "--python-version", python_version,
               *[option for tag in platforms for option in ("--platform", tag)],
               *recipe.torch_options(torch_index), *recipe.packages]
    log("$ " + " ".join(command))
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in done.stdout.splitlines():
        log(line)
    if done.returncode != 0:
        raise InfrastructureError(f"pip could not download the wheels for {recipe.tag} (exit {done.returncode}); see above")
    return len(list(directory.glob("*.whl")))
