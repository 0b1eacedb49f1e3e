"""`grader new` and `grader build`: a lab from its master source (docs/authoring.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.commands.options import COURSE_OPTION
from grader.errors import ExitCode

FRAMEWORKS = ["numpy", "pytorch", "keras", "tensorflow", "any"]


@click.command("new")
@COURSE_OPTION
@click.argument("lab")
@click.option("--framework", type=click.Choice(FRAMEWORKS), required=True, help="What the lab's notebooks use.")
def new(course: Path | None, lab: str, framework: str) -> None:
    """Scaffold LAB in the course (--course, else $GRADER_COURSE, else this folder): a master source
    with one worked item, assignment.yaml, a rubric, a README and one known-wrong patch."""
    from grader.authoring.scaffold import scaffold

    root = (course or Path.cwd()).resolve()
    for path in scaffold(root, lab, framework):
        click.echo(f"wrote {path.relative_to(root)}")
    hint = f" --course {course}" if course else ""
    click.echo(f"next: grader build {lab}{hint}, then grader validate {lab}{hint}")


@click.command("build")
@COURSE_OPTION
@click.argument("assignment", required=False)
@click.option("--all", "all_labs", is_flag=True, help="Every lab of the course that has a master source.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the files that differ from the build.")
def build(course: Path | None, assignment: str | None, all_labs: bool, check: bool) -> None:
    """Write the starter, reference, known-wrong notebooks and examples from each master source.
    Everything is built in memory first: on any error nothing is written (exit 2)."""
    from grader.authoring.build import build_lab, labs_with_master
    from grader.course import course_root, list_assignments

    if bool(assignment) == all_labs:
        raise click.UsageError("give an ASSIGNMENT or --all")
    root = course_root(course)
    labs = [assignment] if assignment else labs_with_master(root)
    if all_labs:
        for lab in sorted(set(list_assignments(root)) - set(labs)):
            click.echo(f"{lab}: no master source, skipped", err=True)
    builds = [build_lab(root, lab) for lab in labs]
    if check:
        differences = [line for built in builds for line in built.differences()]
        for line in differences:
            click.echo(line)
        if differences:
            click.echo(f"{len(differences)} file(s) differ from their master; `grader build` rewrites them", err=True)
            sys.exit(int(ExitCode.BELOW_PASS_MARK))
        click.echo(f"{len(builds)} lab(s) up to date with their master sources")
        return
    for built in builds:
        changed = built.write()
        click.echo(f"{built.lab}: {len(built.files)} notebook(s), {len(changed)} rewritten")
        for path in changed:
            click.echo(f"  {built.shown(path)}")
