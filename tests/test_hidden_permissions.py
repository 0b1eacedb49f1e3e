"""The host-only part of the dataset cache (hidden splits, their seeds, sample judges: everything
under hidden/) is readable by this user alone: files 0600, folders 0700, whatever the umask, and a
cache an older grader left world-readable is tightened the next time it is used. Public files stay
world-readable (sandboxes and docker's bind mounts read them)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from grader.datasets import get_dataset
from grader.datasets.files import npz_bytes


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def host_only_modes(cache: Path) -> dict[str, int]:
    """{path under cache/hidden: mode} for hidden/ and everything below it."""
    hidden = cache / "hidden"
    return {str(p.relative_to(cache)): mode(p) for p in [hidden, *hidden.rglob("*")]}


@pytest.fixture
def loose_umask():
    """A umask that would leave new files world-writable: the modes must not depend on it."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.mark.parametrize("name", ["blobs2d", "airline"])
def test_a_new_cache_keeps_hidden_files_to_this_user(tmp_path, loose_umask, name):
    provider = get_dataset(name)
    x, y = provider.split(tmp_path, "hidden")
    assert len(x) == len(y) > 0
    modes = host_only_modes(tmp_path)
    assert f"hidden/{name}/hidden.npz" in modes
    assert name == "airline" or f"hidden/{name}/seed" in modes  # airline's hidden split is fixed, no seed
    for path, found in modes.items():
        wanted = 0o700 if (tmp_path / path).is_dir() else 0o600
        assert found == wanted, f"{path} is {found:o}, not {wanted:o}"
    public = provider.public_dir(tmp_path) / provider.public_file
    assert mode(public) == 0o644  # the public split stays readable for sandboxes


def test_a_world_readable_cache_from_an_older_grader_is_tightened_on_use(tmp_path):
    """hidden.npz was written 0644 in 0755 folders; the next use closes them all."""
    provider = get_dataset("blobs2d")
    provider.ensure(tmp_path)
    folder = tmp_path / "hidden" / "blobs2d"
    extra = folder / "old" / "notes.npz"  # whatever else an instructor copied in
    extra.parent.mkdir()
    extra.write_bytes(npz_bytes({"y": np.arange(3)}))
    for path in [tmp_path / "hidden", folder, extra.parent]:
        os.chmod(path, 0o755)
    for path in [folder / "hidden.npz", folder / "seed", extra]:
        os.chmod(path, 0o644)
    before = np.load(folder / "hidden.npz")["y"].copy()

    x, y = provider.split(tmp_path, "hidden")

    assert np.array_equal(y, before)  # the same split, only its modes changed
    assert host_only_modes(tmp_path) == {"hidden": 0o700, "hidden/blobs2d": 0o700, "hidden/blobs2d/hidden.npz": 0o600,
                                         "hidden/blobs2d/seed": 0o600, "hidden/blobs2d/old": 0o700,
                                         "hidden/blobs2d/old/notes.npz": 0o600}


def test_sample_judges_are_host_only_too(tmp_path, loose_umask):
    """A judge kept world-readable by an older grader is tightened when loaded; a new one is
    written 0600 (trained here from a tiny stand-in train split, to stay fast)."""
    from grader import judge

    stale = judge.judge_path(tmp_path, "mnist")
    stale.parent.mkdir(parents=True)
    os.chmod(tmp_path / "hidden", 0o777)
    buffer = io.BytesIO()
    np.savez(buffer, np.zeros((4, 3)), np.zeros(3), np.zeros((3, 11)), np.zeros(11))
    stale.write_bytes(buffer.getvalue())
    os.chmod(stale, 0o666)
    assert judge.load_judge("mnist", tmp_path).classes == 10
    assert host_only_modes(tmp_path) == {"hidden": 0o700, "hidden/mnist": 0o700,
                                         f"hidden/mnist/{stale.name}": 0o600}


def test_a_new_judge_is_written_host_only(tmp_path, loose_umask, monkeypatch):
    from grader import judge

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 255, (160, 4, 4), dtype=np.uint8), np.arange(160) % 10
    monkeypatch.setattr(type(get_dataset("mnist")), "split", lambda self, cache, split: (images, labels))
    monkeypatch.setattr(judge, "EPOCHS", 1)
    assert judge.load_judge("mnist", tmp_path).features == 16
    path = judge.judge_path(tmp_path, "mnist")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700 and mode(tmp_path / "hidden") == 0o700


def test_links_in_the_hidden_folder_are_not_followed(tmp_path):
    """Tightening changes modes of what is in hidden/, never of a file a link there points to."""
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not the grader's")
    os.chmod(outside, 0o644)
    folder = tmp_path / "cache" / "hidden" / "blobs2d"
    folder.mkdir(parents=True)
    (folder / "link").symlink_to(outside)
    get_dataset("blobs2d").hidden_dir(tmp_path / "cache")
    assert mode(outside) == 0o644 and mode(folder) == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another local user")
def test_another_local_user_cannot_read_the_hidden_split():
    """As nobody (uid 65534), in a cache whose own folder is open to everybody, the hidden split
    and its seed cannot be opened; the public split can."""
    import shutil
    import subprocess
    import sys
    import tempfile

    cache = Path(tempfile.mkdtemp(prefix="grader-open-cache-", dir="/tmp"))
    try:
        os.chmod(cache, 0o755)
        # the probe needs only the standard library: a system Python nobody can run
        python = next((p for p in ("/usr/bin/python3", "/usr/local/bin/python3", sys.executable)
                       if os.path.exists(p)), sys.executable)
        _read_as_nobody(cache, os.path.realpath(python), subprocess)
    finally:
        shutil.rmtree(cache)


def _read_as_nobody(tmp_path: Path, python: str, subprocess) -> None:  # noqa: ANN001 - the module
    provider = get_dataset("blobs2d")
    provider.ensure(tmp_path)
    for parent in [Path(python).parent, *Path(python).parents]:
        if mode(parent) & 0o005 != 0o005:
            pytest.skip(f"{parent} is closed to other users: nobody cannot run this Python")
    probe = ("import sys\nfor path in sys.argv[1:]:\n    try:\n        open(path, 'rb').read(1); print(path, 'READ')\n"
             "    except OSError as exc:\n        print(path, exc.strerror)")
    paths = [provider.public_dir(tmp_path) / provider.public_file, provider.hidden_path(tmp_path),
             tmp_path / "hidden" / "blobs2d" / "seed"]

    def as_nobody() -> None:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)

    done = subprocess.run([python, "-c", probe, *map(str, paths)], capture_output=True, text=True,
                          preexec_fn=as_nobody, timeout=60)
    lines = done.stdout.splitlines()
    assert lines == [f"{paths[0]} READ", f"{paths[1]} Permission denied", f"{paths[2]} Permission denied"], done.stderr
