"""A hand-made class for the export tests that need no kernel: results as scoring makes them
(every check of the fixture assignment `toy`, fractional points, every status), owned by students
whose files came from a Canvas download, a Moodle download or a plain folder."""

from __future__ import annotations

from grader.course import LoadedAssignment
from grader.gradebook.records import ClassEntry, Student
from grader.results import CheckResult, CheckStatus, GradeResult, Status

HIDDEN_MESSAGE = "Your classifier does not generalise well enough."

# fraction of each check's points, by check id (None: pending manual check); toy's points are
# runs 1, square 2, table 1, scaled 1, report 1, saved 1, public-accuracy 2, hidden-accuracy 3, review 2
PARTIAL = {"runs": 1, "square": 3 / 7, "table": 1, "scaled": 1, "report": 1, "saved": 1, "public-accuracy": 1,
           "hidden-accuracy": 1, "review": None}  # 10.8571 of 14: shown 10.86 (10.86/14 = 0.7757, 10.8571/14 = 0.7755)
FULL = {**dict.fromkeys(PARTIAL, 1.0), "review": 1.0}
NOTHING = dict.fromkeys(PARTIAL, 0.0)


def result(toy: LoadedAssignment, fractions: dict[str, float | None], *, status: Status = Status.GRADED,
           message: str | None = None, observed: str | None = None, submission: str = "s") -> GradeResult:
    checks = []
    for check in toy.rubric.checks:
        fraction = fractions[check.id]
        points = 0.0 if fraction is None else round(check.points * fraction, 4)
        state = (CheckStatus.PENDING if fraction is None else CheckStatus.PASSED if fraction >= 1
                 else CheckStatus.PARTIAL if fraction > 0 else CheckStatus.FAILED)
        said = HIDDEN_MESSAGE if check.visibility == "hidden" and state is not CheckStatus.PASSED else "as expected"
        checks.append(CheckResult(id=check.id, title=check.title, kind=check.kind, visibility=check.visibility,
                                  points=points, max_points=check.points, status=state, message=said,
                                  expected="9" if check.id == "square" else None,
                                  observed=observed if check.id == "square" else None))
    return GradeResult(submission_id=submission, assignment=toy.id, rubric_version=toy.rubric.version, status=status,
                       score=round(sum(c.points for c in checks), 4), max_score=toy.rubric.max_points,
                       pass_mark=toy.rubric.pass_mark, checks=checks, message=message, timings={"total": 12.5})


STUDENTS = {  # id: (student, where their file came from)
    "1001": (Student("1001", "Alice Archer", login="archeralice"), "archeralice_1001_5501_lab1.ipynb"),
    "7002": (Student("7002", "Ольга Быстрова", email="olga@example.org"),
             "Ольга Быстрова_7002_assignsubmission_file_/lab1.ipynb"),
    "carl": (Student("carl", "carl"), "carl.ipynb"),
    "7004": (Student("7004", "Dana Draft"), "Dana Draft_7004_assignsubmission_file_/lab1.ipynb"),
    "erin": (Student("erin", "Erin Error", email="erin@example.org"), "erin/lab1.ipynb"),
}


def make_class(toy: LoadedAssignment) -> list[ClassEntry]:
    """Alice full marks; Olga partly right (hidden check partial); Carl crashed with terminal
    escapes in his output; Dana needs review; Erin's grading failed on our side."""
    results = {
        "1001": result(toy, FULL),
        "7002": result(toy, PARTIAL),
        "carl": result(toy, NOTHING, status=Status.CRASHED, message="the kernel died",
                       observed="\x1b[31m6\x1b[0m and a \x00 byte"),
        "7004": result(toy, PARTIAL, status=Status.NEEDS_REVIEW, message="defines none of square, table"),
        "erin": result(toy, NOTHING, status=Status.ERROR, message="the sandbox could not start"),
    }
    return [ClassEntry(student=student, submission_id=key, result=results[key], source=source,
                       submitted_at="2026-11-20T10:00:00+00:00", feedback=f"{key}/feedback.html")
            for key, (student, source) in STUDENTS.items()]


CANVAS_ROSTER = (  # Canvas's gradebook export (Grades > Export), as a roster
    "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (4242)\r\n"
    "    Points Possible,,,,,14\r\n"
    "\"Archer, Alice\",1001,S-1001,aarcher,A,\r\n"
    "Ольга Быстрова,1002,S-1002,obystrova,B,\r\n"
    "carl,1003,S-1003,ccrash,A,\r\n"
    "Dana Draft,1004,S-1004,ddraft,B,\r\n"
)
