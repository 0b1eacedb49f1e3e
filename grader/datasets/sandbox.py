"""Copy datasets' public files to where students' loaders look inside a sandbox root, and say which
downloads the kernel answers with them."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from grader.datasets.origins import origins
from grader.datasets.registry import default_cache_dir, get_provider


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def provision_sandbox(names: list[str], root: Path, cache: Path | None = None) -> dict[str, str]:
    """Copy (never link: the sandbox must not reach the cache) every public file of each
    dataset under `root`. Returns {destination relative to root: sha256}, which the kernel
    preamble hands to `keras_shim.install`."""
    cache = Path(cache) if cache is not None else default_cache_dir()
    manifest: dict[str, str] = {}
    for name in names:
        for source, relative in get_provider(name).sandbox_files(cache):
            dest = Path(root) / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            manifest[relative] = _sha256(dest)
    return manifest


def served_downloads(names: list[str], cache: Path | None = None) -> dict[str, dict[str, str]]:
    """{dataset: {URL: its file's destination relative to the sandbox root}}: the downloads the
    kernel answers from the staged copies (grader.datasets.offline), for the job's `downloads`."""
    cache = Path(cache) if cache is not None else default_cache_dir()
    served: dict[str, dict[str, str]] = {}
    for name in names:
        provider = get_provider(name)
        public = provider.public_dir(cache)
        urls = {url: destination for source, destination in provider.sandbox_files(cache)
                for url in origins(provider, source.relative_to(public).as_posix())}
        if urls:
            served[name] = urls
    return served
