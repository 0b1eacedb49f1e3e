"""Who a file belongs to, read from the names LMS exports give it.

Canvas ("Download Submissions"): `<login>_<userid>_<submissionid>_<filename>`, with `LATE_`
after the login for late work; a resubmitted file gets `-1`, `-2`... before its extension.
Moodle ("Download all submissions", folders on or off): a folder
`<Full Name>_<participantid>_assignsubmission_file_` holding the files, or the same prefix
on each file. Anything else: the file's stem (or its folder's name) identifies the student.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

CANVAS = re.compile(r"^(?P<login>[a-z0-9.\-]+?)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>file|onlinetext)_(?P<file>.*)$")


@dataclass(frozen=True)
class Origin:
    """What a file's name says: whose it is, which LMS named it, and how to order attempts."""

    key: str                     # the LMS user id, or the plain name when no LMS pattern matched
    lms: str                     # "canvas", "moodle" or "plain"
    display_name: str | None = None
    login: str | None = None
    order: int = 0               # larger = newer (Canvas submission id)
    late: bool = False


def origin_of(relative: str) -> Origin:
    """Read the owner from a path relative to the export's root (its folders count for Moodle)."""
    path = PurePosixPath(relative)
    for part in (*path.parts[:-1], path.name):
        moodle = MOODLE.match(part)
        if moodle:
            return Origin(key=moodle["user"], lms="moodle", display_name=moodle["name"])
    canvas = CANVAS.match(path.name)
    if canvas:
        return Origin(key=canvas["user"], lms="canvas", login=canvas["login"], order=int(canvas["submission"]),
                      late=bool(canvas["late"]))
    owner = path.parts[0] if len(path.parts) > 1 else path.stem
    return Origin(key=owner, lms="plain")
