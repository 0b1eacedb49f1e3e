"""A small real class for the export and report tests: four `toy` submissions graded for real
(full marks but for the manual check, partly wrong, crashing, not a notebook at all)."""

from __future__ import annotations

from pathlib import Path

from conftest import TOY_GOOD, make_notebook
from grader.gradebook.records import ClassEntry, Student

WRONG_SQUARE = [TOY_GOOD[0], "import json\nimport numpy as np\n\ndef square(x):\n    return np.asarray(x) * 2",
                *TOY_GOOD[2:3], TOY_GOOD[3].replace("print(f'accuracy score: {accuracy:.2f}')", "")]
CRASHING = [TOY_GOOD[0], "raise ValueError('my model is not ready')", *TOY_GOOD[1:]]

STUDENTS = [
    (Student("1001", "Alice Archer", login="aarcher", email="alice@example.org", section="A"), TOY_GOOD),
    (Student("1002", "Ольга Быстрова", login="obystrova", email="olga@example.org", section="B"), WRONG_SQUARE),
    (Student("carl@example.org", "Carl Crash", login="ccrash", section="A"), CRASHING),
    (Student("1004", "Dana Draft", login="ddraft", email="dana@example.org", section="B"), None),
]


def grade_class(toy, sandbox, folder: Path) -> list[ClassEntry]:  # noqa: ANN001 - LoadedAssignment, Sandbox
    """Grade each student's notebook for real and wrap the results as the gradebook will."""
    from grader.pipeline import GradingOptions, grade_notebook

    entries = []
    for student, cells in STUDENTS:
        path = folder / f"{student.login}.ipynb"
        if cells is None:
            path.write_text("this is not a notebook")
        else:
            make_notebook(path, cells)
        result = grade_notebook(toy, path, GradingOptions(sandbox=sandbox), submission_id=student.login)
        entries.append(ClassEntry(student=student, submission_id=student.login, result=result,
                                  submitted_at="2026-11-20T10:00:00+00:00", source=str(path)))
    return entries
