"""Reading submission archives (LMS exports, a student's own zip) without trusting them.

A member is taken only if it is a regular file with a relative name that stays inside the
archive, and only while the archive's declared and actual sizes stay within limits: path
traversal (`../`, absolute names), symbolic links and zip bombs are refused by name, with the
reason, and never written anywhere. Members are read into memory in bounded chunks, so a member
that lies about its size cannot grow past the limit either.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 256 * 1024**2     # a notebook with heavy outputs is tens of MB
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_RATIO = 200                      # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024**2
CHUNK = 1024**2


class UnsafeArchive(Exception):
    """The archive as a whole cannot be read (not a zip, too many members, too large)."""


@dataclass(frozen=True)
class Member:
    name: str                # normalised relative posix path inside the archive
    data: bytes | None       # None when refused
    modified: str | None     # the member's timestamp, ISO 8601 (zip times have no zone)
    refused: str | None = None


def read_members(archive: Path | IO[bytes], *, total_budget: int = MAX_TOTAL_BYTES) -> list[Member]:
    """Every member that is a file, read safely; refused members carry the reason instead of data."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeArchive(f"not a readable zip archive ({exc})") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeArchive(f"{len(infos)} members; at most {MAX_MEMBERS} are read")
    members = []
    budget = total_budget
    for info in infos:
        if info.is_dir():
            continue
        name, refusal = _screen(info)
        if refusal is None and info.file_size > budget:
            refusal = "the archive's total uncompressed size is over the limit"
        data = None
        if refusal is None:
            data, refusal = _read_bounded(zf, info, min(MAX_MEMBER_BYTES, budget))
            budget -= len(data or b"")
        members.append(Member(name=name, data=data, modified=_timestamp(info), refused=refusal))
    return members


def _screen(info: zipfile.ZipInfo) -> tuple[str, str | None]:
    raw = info.filename.replace("\\", "/")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return raw, "a symbolic link (links are never followed)"
    if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
        return raw, "not a regular file"
    path = PurePosixPath(raw)
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":") or ".." in path.parts:
        return raw, "a path outside the archive (path traversal)"
    if info.file_size > MAX_MEMBER_BYTES:
        return raw, f"{info.file_size} bytes uncompressed; the limit is {MAX_MEMBER_BYTES}"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return raw, "compressed more than 200:1 (a zip bomb?)"
    return "/".join(p for p in path.parts if p not in ("", ".")), None


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[bytes | None, str | None]:
    """The member's bytes, stopping as soon as they pass `limit` (sizes in headers can lie)."""
    chunks, size = [], 0
    try:
        with zf.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    return None, f"more than {limit} bytes when unpacked (its header said {info.file_size})"
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, NotImplementedError) as exc:
        return None, f"could not be unpacked ({type(exc).__name__}: {exc})"
    return b"".join(chunks), None


def _timestamp(info: zipfile.ZipInfo) -> str | None:
    year, month, day, hour, minute, second = info.date_time
    if year <= 1980:
        return None  # the zip epoch: no real time recorded
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
