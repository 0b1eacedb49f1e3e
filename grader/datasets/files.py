"""Byte-stable, atomic file writing, and the host-only part of the cache.

Several graders may share one cache and race to create the same file; writing to a
temporary name and `os.replace`-ing it means nobody ever reads half a file. Archives are
written with fixed timestamps so that regenerating a dataset gives identical bytes.

Public files are world-readable (docker's bind mounts and every sandbox user read them).
Host-only files (hidden splits, their seeds, sample judges: everything under the cache's
`hidden/`) are created 0600 in folders of mode 0700, and `host_only_folder` tightens a folder
an older grader or a copy left open, each time it is used.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import io
import os
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest zip timestamp; keeps archives reproducible
PUBLIC_FILE = 0o644
HOST_ONLY_FILE = 0o600
HOST_ONLY_FOLDER = 0o700


def write_atomic(path: Path, data: bytes, mode: int = PUBLIC_FILE) -> None:
    """Create or replace `path` with `data` in one step; world-readable unless `mode` says
    otherwise (HOST_ONLY_FILE for what no other user may read). The file never exists under
    its final name with another mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_once(path: Path, data: bytes, mode: int = HOST_ONLY_FILE) -> None:
    """Create `path` with `data` unless it exists: of racing writers exactly one wins, and
    everybody then reads the winner's bytes (a hard link fails where a file is already there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def host_only_folder(folder: Path) -> Path:
    """`folder` (a cache's `hidden/<name>`) and its parent (`hidden/`), created if missing, as
    folders only this user can enter (0700), every file below them 0600. Tightens what an older
    grader created world-readable (hidden.npz was 0644) or an instructor copied in: run it before
    each use. Where this user does not own the files, a warning says what to run."""
    folder = Path(folder)
    folder.parent.mkdir(mode=HOST_ONLY_FOLDER, parents=True, exist_ok=True)
    folder.mkdir(mode=HOST_ONLY_FOLDER, exist_ok=True)
    refused = [path for path, mode in _host_only_modes(folder) if not _tighten(path, mode)]
    if refused:
        warnings.warn(f"{len(refused)} host-only path(s) under {folder.parent} are readable by other users and "
                      f"cannot be tightened by this user (e.g. {refused[0]}); run `chmod -R go= {folder.parent}` "
                      "as their owner", stacklevel=3)
    return folder


def _host_only_modes(folder: Path) -> list[tuple[Path, int]]:
    """(path, wanted mode) for hidden/, hidden/<name> and everything below it."""
    wanted = [(folder.parent, HOST_ONLY_FOLDER), (folder, HOST_ONLY_FOLDER)]
    for top, folders, files in os.walk(folder):
        wanted += [(Path(top) / name, HOST_ONLY_FOLDER) for name in folders]
        wanted += [(Path(top) / name, HOST_ONLY_FILE) for name in files]
    return wanted


def _tighten(path: Path, mode: int) -> bool:
    """Take group and other permissions away from path (never a link's target). False if refused."""
    try:
        current = os.lstat(path)
        if stat.S_ISLNK(current.st_mode) or stat.S_IMODE(current.st_mode) & 0o077 == 0:
            return True
        os.chmod(path, stat.S_IMODE(current.st_mode) & mode)
        return True
    except FileNotFoundError:  # a racing writer's temporary file, already renamed
        return True
    except PermissionError:
        return False


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A compressed .npz (what `np.savez_compressed` makes) without its wall-clock timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for key, array in arrays.items():
            member = io.BytesIO()
            # object arrays (ragged sequences, as Keras's imdb.npz holds them) need pickle
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=array.dtype.hasobject)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buf.getvalue()


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) for the block: one process at a time,
    across processes and threads; the kernel releases it if the holder dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def npz_rows(path: Path, key: str) -> int:
    """The first dimension of the array `key` in an .npz, read from its header alone."""
    with zipfile.ZipFile(path) as archive, archive.open(f"{key}.npy") as member:
        major, _ = np.lib.format.read_magic(member)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, _, _ = read_header(member)
        return int(shape[0])


def load_npz(path: Path, keys: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The arrays named by `keys` (all by default); only those are decompressed."""
    with np.load(path, allow_pickle=False) as f:
        return {key: f[key] for key in (f.files if keys is None else keys)}


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0 and no embedded file name, so the output depends only on `data`.
    Level 6 (zlib's default) because level 9 takes four times longer for 1% less."""
    return gzip.compress(data, compresslevel=6, mtime=0)
