"""`grader export ...` and `grader report`: thin wrappers over grader.exports and grader.report.

grader/cli.py registers both.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.commands.options import COURSE_OPTION, GRADEBOOK_OPTION
from grader.errors import UsageError
from grader.exports import CLASS_FORMATS, SUBMISSION_FORMATS

assignment_option = click.option("--assignment", "assignment_id", required=True, help="Assignment id.")


def _class(course: Path | None, gradebook: Path, assignment_id: str):  # noqa: ANN202 - (entries, LoadedAssignment)
    from grader.course import load_assignment
    from grader.gradebook.store import Gradebook

    assignment = load_assignment(assignment_id, root=course)
    with Gradebook.open(gradebook) as book:
        entries = book.class_entries(assignment.id)
    if not entries:
        raise UsageError(f"the gradebook {gradebook} holds no grades for {assignment.id}")
    return entries, assignment


@click.group()
def export() -> None:
    """Grades out of the gradebook for an LMS or CI (formats in docs/exports.md)."""


def _format_command(name: str, help_text: str, out_help: str) -> click.Command:
    @COURSE_OPTION
    @GRADEBOOK_OPTION
    @assignment_option
    @click.option("--out", type=click.Path(path_type=Path), required=True, help=out_help)
    def command(course: Path | None, gradebook: Path, assignment_id: str, out: Path) -> None:
        from grader.exports import export_class

        entries, assignment = _class(course, gradebook, assignment_id)
        written = export_class(name, entries, assignment, out)
        files = f" ({len(written)} files)" if len(written) > 1 else ""
        click.echo(f"{name}: {len(entries)} students -> {out}{files}")

    return click.command(name, help=f"Write the {help_text}.")(command)


for _name, _class_format in CLASS_FORMATS.items():
    export.add_command(_format_command(_name, _class_format.help, f"the {_class_format.suffix} file to write"))
for _name, _submission_format in SUBMISSION_FORMATS.items():
    export.add_command(_format_command(_name, _submission_format.help, "folder for one <student id>.json each"))


@export.command("gradescope")
@COURSE_OPTION
@click.argument("assignment_id", metavar="ASSIGNMENT")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The zip to write.")
def gradescope_zip(course: Path | None, assignment_id: str, out: Path) -> None:
    """Write the Gradescope autograder zip (setup.sh, run_autograder, this grader, the course files)."""
    from grader.course import load_assignment
    from grader.exports.gradescope_zip import build_autograder_zip

    click.echo(f"autograder zip: {build_autograder_zip(load_assignment(assignment_id, root=course), out)}")


@click.command()
@COURSE_OPTION
@GRADEBOOK_OPTION
@assignment_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the pages.")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True, help="Language of the pages.")
def report(course: Path | None, gradebook: Path, assignment_id: str, out: Path, lang: str) -> None:
    """Write the class report (index.html) and every student's feedback page."""
    from grader.report.classreport import write_class_report

    entries, assignment = _class(course, gradebook, assignment_id)
    click.echo(f"class report: {write_class_report(entries, assignment, out, lang=lang)}")
