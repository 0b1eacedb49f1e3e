"""What `run_autograder` runs inside Gradescope: grade the one submitted notebook with every
check (hidden ones too) in the namespaces sandbox where Gradescope's container allows it (else
unisolated: that container is then the isolation, and grade.json notes say so) and write
results.json. Always writes a result, so Gradescope shows the student a reason instead of "the
autograder failed"."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.exports import gradescope
from grader.results import GradeResult, Status, write_atomically


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.exports.autograder")
    parser.add_argument("--course", type=Path, required=True, help="course folder with assignments/ and rubrics/")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--submission", type=Path, required=True, help="folder with the student's upload")
    parser.add_argument("--results", type=Path, required=True, help="where results.json goes")
    args = parser.parse_args(argv)
    write_atomically(args.results, gradescope.render(grade_submission(args.course, args.assignment, args.submission)))
    return 0


def grade_submission(course: Path, assignment_id: str, submission: Path) -> GradeResult:
    from grader.course import load_assignment
    from grader.pipeline import GradingOptions, grade_notebook
    from grader.sandbox import self_check_sandbox

    assignment = load_assignment(assignment_id, root=course)
    notebooks = sorted(submission.rglob("*.ipynb")) if submission.is_dir() else []
    notebooks = [path for path in notebooks if ".ipynb_checkpoints" not in path.parts]
    if len(notebooks) != 1:
        found = ", ".join(path.name for path in notebooks) or "none"
        return _refused(assignment, f"upload exactly one .ipynb notebook (found: {found})")
    sandbox, _unavailable = self_check_sandbox()
    return grade_notebook(assignment, notebooks[0], GradingOptions(sandbox=sandbox))


def _refused(assignment, message: str) -> GradeResult:  # noqa: ANN001 - a LoadedAssignment
    return GradeResult(submission_id="submission", assignment=assignment.id, rubric_version=assignment.rubric.version,
                       status=Status.UNGRADABLE, score=0.0, max_score=assignment.rubric.max_points,
                       pass_mark=assignment.rubric.pass_mark, checks=[], message=message)


if __name__ == "__main__":
    raise SystemExit(main())
