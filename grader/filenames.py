"""File names made from ids the grader does not control (LMS student ids, e-mails)."""

from __future__ import annotations

import hashlib


def safe_file_name(text: str) -> str:
    """A student id as a file name: LMS ids may hold @, spaces or slashes; a changed id gets a
    short hash so that two ids never share a file."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).strip(".")
    if cleaned == text:
        return cleaned
    return f"{cleaned or 'student'}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"
