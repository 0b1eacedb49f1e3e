"""Who a student is to an LMS's import: the identifiers Canvas and Moodle match rows on.

Only identifiers the LMS itself issued are used, never a guess: a file name's stem in the `ID`
column could be another student's Canvas user id, and Moodle aborts a whole import on one row it
cannot match. So an identifier comes from the LMS's own roster export (`--roster`), from the name
the LMS gave the submitted file (Canvas's and Moodle's "download all submissions"), or from the
gradebook's e-mail address; a student with none is reported, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.gradebook.records import ClassEntry
from grader.intake.names import origin_of
from grader.intake.roster import Roster

CANVAS_ROSTER_HEADERS = ("sis user id", "sis login id")  # with ID and Student: Canvas's gradebook export


@dataclass(frozen=True)
class LmsIdentity:
    name: str
    section: str = ""
    canvas_user_id: str = ""        # Canvas's own user id (its gradebook's `ID`)
    sis_user_id: str = ""
    sis_login_id: str = ""
    moodle_participant: str = ""    # the participant id of Moodle's download names ("Participant N")
    id_number: str = ""             # Moodle's user `ID number`
    username: str = ""              # Moodle's `Username`
    email: str = ""

    @property
    def canvas_can_match(self) -> bool:
        return bool(self.canvas_user_id or self.sis_user_id or self.sis_login_id)

    @property
    def moodle_can_match(self) -> bool:
        """What Moodle's gradebook import can map a row on (useridnumber, username, useremail)."""
        return bool(self.id_number or self.username or self.email)


def identify(entry: ClassEntry, roster: Roster | None) -> LmsIdentity:
    """The student's identifiers, from the roster's row when the roster knows them."""
    student = entry.student
    origin = origin_of(entry.source) if entry.source else None
    canvas_id = origin.key if origin is not None and origin.lms == "canvas" else ""
    participant = origin.key if origin is not None and origin.lms == "moodle" else ""
    found = roster.find(student.id, name=student.name, login=student.login) if roster is not None else None
    if found is None:
        return LmsIdentity(name=student.name, section=student.section or "", canvas_user_id=canvas_id,
                           moodle_participant=participant, email=student.email or "")
    row = roster.row(found.id) if roster is not None else {}
    canvas_roster = all(header in row for header in CANVAS_ROSTER_HEADERS) and "id" in row
    return LmsIdentity(
        name=found.name, section=found.section or student.section or "",
        canvas_user_id=row["id"] if canvas_roster and row["id"].isdigit() else canvas_id,
        sis_user_id=row.get("sis user id", ""), sis_login_id=row.get("sis login id", ""),
        moodle_participant=participant, id_number=row.get("id number") or row.get("idnumber") or "",
        username=row.get("username", ""), email=row.get("email address") or row.get("email") or student.email or "")


def listing(entries: list[ClassEntry], limit: int = 10) -> str:
    """`Name (id), ...` for a warning; long lists end with how many more."""
    names = [f"{entry.student.name} ({entry.student.id})" for entry in entries]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more
