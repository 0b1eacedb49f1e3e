"""`grader export ...` and `grader report`: thin wrappers over grader.exports and grader.report.

grader/cli.py registers both.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.commands.options import COURSE_OPTION, GRADEBOOK_OPTION, LANG_OPTION
from grader.errors import UsageError
from grader.exports import BUNDLE_FORMATS, CLASS_FORMATS, SUBMISSION_FORMATS
from grader.i18n import _

assignment_option = click.option("--assignment", "assignment_id", required=True, help="Assignment id.")


def _class(course: Path | None, gradebook: Path, assignment_id: str):  # noqa: ANN202 - (entries, LoadedAssignment)
    from grader.course import load_assignment
    from grader.gradebook.store import Gradebook

    assignment = load_assignment(assignment_id, root=course)
    with Gradebook.open(gradebook) as book:
        entries = book.class_entries(assignment.id, late=assignment.spec.late)
    if not entries:
        raise UsageError(f"the gradebook {gradebook} holds no grades for {assignment.id}")
    return entries, assignment


@click.group()
def export() -> None:
    """Grades out of the gradebook for an LMS or CI (formats in docs/exports.md)."""


CANVAS_FORMATS = ("canvas", "canvas-comments")  # the ones whose output names the Canvas assignment


def _format_command(name: str, help_text: str, out_help: str, *, roster: bool) -> click.Command:
    @COURSE_OPTION
    @GRADEBOOK_OPTION
    @assignment_option
    @click.option("--out", type=click.Path(path_type=Path), required=True, help=out_help)
    def command(course: Path | None, gradebook: Path, assignment_id: str, out: Path, **extra: object) -> None:
        from grader.exports import export_class
        from grader.exports.common import ExportOptions
        from grader.intake.roster import load_roster

        entries, assignment = _class(course, gradebook, assignment_id)
        roster_path = extra.get("roster")
        options = ExportOptions(roster=load_roster(roster_path) if isinstance(roster_path, Path) else None,
                                canvas_assignment_id=str(extra["canvas_id"]) if extra.get("canvas_id") else None,
                                lang=str(extra.get("lang") or "en"))
        exported = export_class(name, entries, assignment, out, options)
        for warning in exported.warnings:
            click.echo(f"warning: {warning}", err=True)
        files = f" ({len(exported.files)} files)" if len(exported.files) > 1 else ""
        click.echo(f"{name}: {len(entries)} students -> {out}{files}")

    if roster:
        command = click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                               help="The LMS's roster (e.g. Canvas's gradebook export, Moodle's participants): "
                                    "the ids its import matches students on.")(command)
    if name in CANVAS_FORMATS:
        command = click.option("--assignment-id", "canvas_id", metavar="ID",
                               help="The Canvas assignment's id: the column header becomes `Title (ID)`, "
                                    "which Canvas fills whatever the assignment's title.")(command)
    if name in BUNDLE_FORMATS:
        command = LANG_OPTION(command)
    return click.command(name, help=f"Write the {help_text}.")(command)


for _name, _class_format in CLASS_FORMATS.items():
    export.add_command(_format_command(_name, _class_format.help, f"the {_class_format.suffix} file to write",
                                      roster=True))
for _name, _submission_format in SUBMISSION_FORMATS.items():
    export.add_command(_format_command(_name, _submission_format.help, "folder for one <student id>.json each",
                                       roster=False))
for _name, _bundle_format in BUNDLE_FORMATS.items():
    export.add_command(_format_command(_name, _bundle_format.help,
                                       "the .zip to write" if _bundle_format.zipped else "folder to write into",
                                       roster=True))


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
@LANG_OPTION
def report(course: Path | None, gradebook: Path, assignment_id: str, out: Path, lang: str) -> None:
    """Write the class report (index.html) and every student's feedback page."""
    from grader.gradebook.store import Gradebook
    from grader.report.classreport import write_class_report

    entries, assignment = _class(course, gradebook, assignment_id)
    with Gradebook.open(gradebook) as book:
        similarity = book.similarity_page(assignment.id)  # kept by `grader similarity --gradebook`
    written = write_class_report(entries, assignment, out, lang=lang, similarity_page=similarity)
    click.echo(_("class report: {path}").format(path=written))
