"""Runtime images for the docker sandbox: the tag an assignment needs, building it from the
Dockerfiles shipped in grader/sandbox/images/ (online, or offline from a local wheelhouse for
air-gapped machines), and reusing it when it is already there.

An image holds Python with the grader's dependencies plus the assignment's `requirements`. Its tag
is `grader-runtime:<grader version>-<flavor>-<digest>`, the digest covering the Dockerfile and the
package list, so a new grader version or changed requirements name a new image (which is then
built) while an unchanged one is found and reused. The base image is recorded as a label, not in
the tag: grading finds the image by what it contains, and a build with another base replaces it.

`ensure_image` is what the docker sandbox calls when an assignment's CPU image is missing: it
builds it there and then, offline, on a base already on the machine (python:3.11-slim-bookworm or
scripts/docker-setup.sh's debootstrap base) from a wheelhouse this host's pip fills, so no image
registry is needed; where that cannot work it names the exact commands.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
SETUP_BASE = "grader-base:bookworm"  # what scripts/docker-setup.sh builds with debootstrap, without a registry
LOCAL_BASES = (DEFAULT_BASE, SETUP_BASE)  # ensure_image builds on the first of these the engine has


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
            if re.search(r"pull access denied|dial tcp|lookup .* on|no such host|manifest unknown|TLS handshake",
                         message):
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
        raise InfrastructureError(f"pip could not download the wheels for {recipe.tag} (exit {done.returncode}); "
                                  "see above")
    return len(list(directory.glob("*.whl")))


def image_cache() -> Path:
    """$GRADER_IMAGE_CACHE, default /var/cache/grader: the wheelhouse (and scripts/docker-setup.sh's
    rootfs) live there, outside any repository."""
    return Path(os.environ.get("GRADER_IMAGE_CACHE") or "/var/cache/grader")


def build_command(recipe: Recipe, *, base: str | None = None, wheelhouse: str | Path | None = None) -> str:
    """The `grader image build` command line that makes recipe's image, for messages."""
    words = ["grader", "image", "build"] + (["--cuda"] if recipe.flavor == "cuda" else [])
    for requirement in sorted(set(recipe.requirements) - set(grader_requirements())):
        words += ["--requirement", requirement]
    words += ["--base", base] if base else []
    words += ["--wheelhouse", str(wheelhouse)] if wheelhouse else []
    return shlex.join(words)


def ensure_image(client: Any, recipe: Recipe, *, log: Callable[[str], None]) -> str:
    """recipe's image tag, building the image first if the engine lacks it (minutes, once; build
    steps go to log). Offline: on a base the engine has (LOCAL_BASES; DEFAULT_BASE is pulled only
    when it has none and a registry answers), from a wheelhouse in the image cache that this host's
    pip completes with what is missing (PyPI or pip's configured mirror). Graders on the same
    machine wait for each other's build instead of repeating it. Where no base can be had or the
    wheels cannot, the error names the commands to run."""
    tag = recipe.tag
    if find_image(client, tag) is not None:
        return tag
    base = next((name for name in LOCAL_BASES if find_image(client, name) is not None), None) or _pulled(client, log)
    if base is None:
        raise InfrastructureError(
            f"the docker image {tag} is not on this machine, and no base image to build it on is (neither "
            f"{' nor '.join(LOCAL_BASES)}): run `bash scripts/docker-setup.sh` (builds {SETUP_BASE} without a "
            f"registry), or load a base with python3 and venv and run `{build_command(recipe, base='IMAGE')}` "
            "(docs/docker.md)")
    wheelhouse = _wheelhouse_dir()
    with _build_lock(wheelhouse.parent / f".build-{tag.rsplit(':', 1)[1]}.lock", log):
        if find_image(client, tag) is not None:  # built by another grader while this one waited
            return tag
        log(f"building the docker image {tag} on first use, offline on {base} (a few minutes, once; "
            f"`{build_command(recipe)}` does the same ahead of grading)")
        log(f"collecting wheels in {wheelhouse} with this host's pip")
        needed: set[str] = set()
        try:
            download_wheelhouse(wheelhouse, recipe, torch_index=_torch_index(recipe),
                                log=_pip_progress(log, needed))
        except InfrastructureError as exc:
            raise InfrastructureError(
                f"the docker image {tag} could not be built on first use: {exc}. Where PyPI is reachable run "
                f"`grader image wheelhouse DIR {_requirement_options(recipe)}`, carry DIR here and run "
                f"`{build_command(recipe, base=base, wheelhouse='DIR')}` (docs/docker.md)") from None
        with _only(wheelhouse, needed) as wheels:
            log(f"{len(list(wheels.glob('*.whl')))} wheels ready; building the image")
            outcome = build_image(client, recipe, base=base, wheelhouse=wheels, log=_build_progress(log))
        log(f"built {tag} in {outcome.seconds:.0f} s ({outcome.size / 1e6:.0f} MB); grading goes on")
    return tag


@contextlib.contextmanager
def _only(wheelhouse: Path, names: set[str]) -> Any:
    """A folder of links to just the wheels named (the build context carries every wheel of the
    folder it gets: a shared wheelhouse also holds other images' torch); the whole wheelhouse
    where links cannot be made or pip named none."""
    if not names:
        yield wheelhouse
        return
    with tempfile.TemporaryDirectory(prefix=".wheels-", dir=wheelhouse.parent) as folder:
        try:
            for name in names:
                os.link(wheelhouse / name, Path(folder) / name)
            linked = True
        except OSError:
            linked = False
        yield Path(folder) if linked else wheelhouse


def _pulled(client: Any, log: Callable[[str], None]) -> str | None:
    """DEFAULT_BASE pulled from its registry, where one answers; else None."""
    import docker.errors

    log(f"no base image on this machine; pulling {DEFAULT_BASE}")
    try:
        client.images.pull(DEFAULT_BASE)
    except docker.errors.DockerException as exc:
        log(f"cannot pull {DEFAULT_BASE}: {getattr(exc, 'explanation', None) or exc}")
        return None
    return DEFAULT_BASE


def _requirement_options(recipe: Recipe) -> str:
    return build_command(recipe).removeprefix("grader image build").strip()


def _wheelhouse_dir() -> Path:
    """<image cache>/wheelhouse (shared with scripts/docker-setup.sh) where this user may write it,
    else ~/.cache/grader/wheelhouse."""
    for folder in (image_cache() / "wheelhouse", Path.home() / ".cache" / "grader" / "wheelhouse"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK | os.X_OK) and os.access(folder.parent, os.W_OK | os.X_OK):
            return folder
    raise InfrastructureError(f"no writable folder for the image's wheels ({image_cache() / 'wheelhouse'}); "
                              "set GRADER_IMAGE_CACHE to a folder of your own")


@contextlib.contextmanager
def _build_lock(path: Path, log: Callable[[str], None]) -> Any:
    """An exclusive lock between grader processes (fcntl; nothing where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another grader is building this image; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _torch_index(recipe: Recipe) -> str | None:
    """$GRADER_TORCH_INDEX (a URL, auto or none) if set; else PyTorch's index for the flavor when
    it answers, and pip's own configuration when it does not (an offline mirror, a find-links
    folder with a CPU wheel). Only asked when the recipe has torch."""
    configured = os.environ.get("GRADER_TORCH_INDEX")
    if configured:
        return None if configured == "none" else configured
    if not recipe.torch_options("auto"):
        return None
    try:
        with urllib.request.urlopen(TORCH_INDEX[recipe.flavor] + "/", timeout=5):
            return "auto"
    except OSError:
        return None


def _pip_progress(log: Callable[[str], None], needed: set[str]) -> Callable[[str], None]:
    """pip's lines worth showing (what it downloads, errors); the wheels it names go into needed."""
    def show(line: str) -> None:
        wheel = re.match(r"\s*(?:Saved|File was already downloaded)\s+(\S+\.whl)\s*$", line)
        if wheel:
            needed.add(Path(wheel[1]).name)
        if re.match(r"\s*(Downloading|Saved|ERROR)", line):
            log(line.strip())
    return show


def _build_progress(log: Callable[[str], None]) -> Callable[[str], None]:
    """The engine's lines worth showing: each build step, and what pip installed."""
    def show(line: str) -> None:
        if re.match(r"\s*(Step \d+/\d+|Successfully installed)", line):
            log(line.strip()[:300])
    return show
