"""The `grader` command. Thin: parse options, call the library, print, map to an exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader import __version__
from grader.errors import ExitCode, GraderError
from grader.results import GradeResult, batch_exit_code

COURSE_OPTION = click.option("--course", type=click.Path(file_okay=False, path_type=Path), default=None,
                             envvar="GRADER_COURSE", help="Course folder with assignments/ and rubrics/.")


class GraderGroup(click.Group):
    """Turns grader errors into their exit codes and one clear line on stderr."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            ctx.exit(int(exc.exit_code))


@click.group(cls=GraderGroup)
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Autograding for deep-learning course labs."""


@main.command("list")
@COURSE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(course: Path | None, as_json: bool) -> None:
    """The assignments in the course: id, title, framework and total points."""
    from grader.spec.course import course_root, list_assignments, load_assignment

    root = course_root(course)
    rows = [load_assignment(name, root=root) for name in list_assignments(root)]
    if as_json:
        click.echo(json.dumps([{"id": a.id, "title": a.spec.title, "framework": a.spec.framework,
                                "points": a.rubric.max_points} for a in rows], indent=2))
        return
    for a in rows:
        click.echo(f"{a.id:<18} {a.spec.framework:<11} {a.rubric.max_points:>6g} pts  {a.spec.title}")


@main.command()
@COURSE_OPTION
@click.argument("assignment")
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("grader-check"),
              show_default=True, help="Where grade.json and feedback.html go.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def check(course: Path | None, assignment: str, notebook: Path, out: Path, as_json: bool) -> None:
    """Self-check NOTEBOOK: run it locally with the public checks only."""
    from grader.pipeline import GradingRun, grade_notebook
    from grader.report.table import checks_table
    from grader.sandbox import get_sandbox
    from grader.spec.course import load_assignment

    loaded = load_assignment(assignment, root=course)
    result = grade_notebook(loaded, notebook, GradingRun(sandbox=get_sandbox("local"), public_only=True, out_dir=out))
    _report([result], as_json=as_json, table=checks_table(result))
    click.echo(f"feedback: {out / 'feedback.html'}", err=True)
    sys.exit(int(result.exit_code))


@main.command()
@COURSE_OPTION
@click.argument("assignment")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results folder (default: grading-output/ASSIGNMENT); one sub-folder per submission.")
@click.option("--sandbox", "sandbox_name", default="local", show_default=True,
              help="Sandbox backend (see docs/sandbox.md).")
@click.option("--json", "as_json", is_flag=True, help="Print all results as JSON on stdout.")
def grade(course: Path | None, assignment: str, paths: tuple[Path, ...], out: Path | None, sandbox_name: str,
          as_json: bool) -> None:
    """Grade notebooks (files or folders of .ipynb) with every check."""
    from grader.batch import grade_paths
    from grader.report.table import checks_table, summary_table
    from grader.sandbox import get_sandbox
    from grader.spec.course import load_assignment

    loaded = load_assignment(assignment, root=course)
    out = out or Path("grading-output") / loaded.id
    results = grade_paths(loaded, list(paths), sandbox=get_sandbox(sandbox_name), out=out,
                          progress=lambda r: click.echo(f"  {r.submission_id}: {r.status.value} {r.score:g}/{r.max_score:g}", err=True))
    table = checks_table(results[0]) if len(results) == 1 else summary_table(results)
    _report(results, as_json=as_json, table=table)
    click.echo(f"results: {out}", err=True)
    sys.exit(int(batch_exit_code(results)))


@main.command()
@COURSE_OPTION
@click.argument("assignment", required=False)
@click.option("--all", "all_assignments", is_flag=True, help="Validate every assignment in the course.")
@click.option("--sandbox", "sandbox_name", default="local", show_default=True)
def validate(course: Path | None, assignment: str | None, all_assignments: bool, sandbox_name: str) -> None:
    """Prove the reference solution earns full marks and each known-wrong submission loses
    exactly the checks it declares. Exit 0 if all hold, 1 if any does not."""
    from grader.pipeline import GradingRun
    from grader.sandbox import get_sandbox
    from grader.spec.course import course_root, list_assignments, load_assignment
    from grader.validate import validate_assignment

    if bool(assignment) == all_assignments:
        raise click.UsageError("give an ASSIGNMENT or --all")
    root = course_root(course) if all_assignments else course
    names = list_assignments(root) if all_assignments else [assignment]
    run = GradingRun(sandbox=get_sandbox(sandbox_name))
    ok = True
    for name in names:
        report = validate_assignment(load_assignment(name, root=root), run)
        ok &= report.ok
        click.secho(f"{name}: {'ok' if report.ok else 'FAILED'}", fg="green" if report.ok else "red", bold=True)
        for verdict in report.verdicts:
            mark = click.style("✓" if verdict.ok else "✗", fg="green" if verdict.ok else "red")
            click.echo(f"  {mark} {verdict.notebook}: {verdict.message}")
    sys.exit(int(ExitCode.PASSED if ok else ExitCode.BELOW_PASS_MARK))


@main.command()
@COURSE_OPTION
@click.argument("assignment")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def release(course: Path | None, assignment: str, out: Path) -> None:
    """Write the student bundle: starter, README, public checks and public data only."""
    from grader.release import release as make_bundle
    from grader.spec.course import load_assignment

    target = make_bundle(load_assignment(assignment, root=course), out)
    click.echo(f"bundle written to {target}")
    click.echo(f"students self-check with: grader check {target} NOTEBOOK.ipynb")


def _report(results: list[GradeResult], *, as_json: bool, table: str) -> None:
    if as_json:
        payload = results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        click.echo(table, err=True)
    else:
        click.echo(table)
