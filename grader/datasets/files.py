"""Byte-stable, atomic file writing.

Several graders may share one cache and race to create the same file; writing to a
temporary name and `os.replace`-ing it means nobody ever reads half a file. Archives are
written with fixed timestamps so that regenerating a dataset gives identical bytes.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest zip timestamp; keeps archives reproducible


def write_atomic(path: Path, data: bytes) -> None:
    """Create or replace `path` with `data` in one step, as a world-readable file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_once(path: Path, data: bytes, mode: int = 0o600) -> None:
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


def load_npz(path: Path, keys: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The arrays named by `keys` (all by default); only those are decompressed."""
    with np.load(path, allow_pickle=False) as f:
        return {key: f[key] for key in (f.files if keys is None else keys)}


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0 and no embedded file name, so the output depends only on `data`.
    Level 6 (zlib's default) because level 9 takes four times longer for 1% less."""
    return gzip.compress(data, compresslevel=6, mtime=0)
