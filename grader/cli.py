"""The `grader` command. Thin: parse options, call the library, print, map to an exit code."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from grader import __version__
from grader.commands.authoring import build, new
from grader.commands.export import export, report
from grader.commands.options import COURSE_OPTION, GRADEBOOK_OPTION, LANG_OPTION
from grader.commands.serve import serve
from grader.commands.similarity import similarity
from grader.errors import ExitCode, GraderError
from grader.i18n import _, current, render
from grader.results import GradeResult, batch_exit_code


class GraderGroup(click.Group):
    """Turns grader errors into their exit codes and one clear line on stderr."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            said = exc.args[0] if len(exc.args) == 1 and not isinstance(exc.args[0], str) else str(exc)
            click.secho(_("error: {message}").format(message=render(said, current())), fg="red", err=True)
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
    from grader.course import course_root, list_assignments, load_assignment

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
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("grader-check"),
              show_default=True, help="Where grade.json and feedback.html go.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--sandbox", "sandbox_name", default="auto", show_default=True,
              help="auto: namespaces where this machine has them, else unisolated (said in the output); "
                   "or a backend name.")
@click.option("--quiet", is_flag=True, help="Do not show which cell runs (shown on stderr while the notebook runs).")
@LANG_OPTION
def check(course: Path | None, assignment: str, notebook: Path, out: Path, as_json: bool, sandbox_name: str,
          quiet: bool, lang: str) -> None:
    """Self-check NOTEBOOK: run it locally with the public checks only."""
    from grader.batch.progress import NotebookProgress
    from grader.course import load_assignment
    from grader.pipeline import GradingOptions, grade_notebook
    from grader.report.terminal import checks_table
    from grader.sandbox import get_sandbox, self_check_sandbox

    loaded = load_assignment(assignment, root=course)
    if sandbox_name == "auto":
        sandbox, unavailable = self_check_sandbox()
        if unavailable:
            click.echo(_("note: running unisolated: {reason}").format(reason=unavailable), err=True)
    else:
        sandbox = get_sandbox(sandbox_name)
    with contextlib.nullcontext() if quiet else NotebookProgress() as progress:
        result = grade_notebook(loaded, notebook, GradingOptions(sandbox=sandbox, public_only=True, out_dir=out,
                                                                 progress=progress.update if progress else None,
                                                                 lang=lang))
    _report([result], as_json=as_json, table=checks_table(result))
    click.echo(_("feedback: {path}").format(path=out / "feedback.html"), err=True)
    sys.exit(int(result.exit_code))


@main.command()
@COURSE_OPTION
@click.argument("assignment")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results folder (default: grading-output/ASSIGNMENT); one sub-folder per student.")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="GRADER_GRADEBOOK",
              help="The course's SQLite gradebook (default: gradebook.sqlite beside the results folder).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV mapping LMS ids/logins/e-mails to students (see docs/batch.md).")
@click.option("--regrade", is_flag=True,
              help="Run again even what the gradebook already holds for this rubric version.")
@click.option("--workers", type=int, default=None, help="Submissions graded at once (default 1, or one per GPU slot).")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: threads on this machine; ray: tasks on the Ray cluster at --address.")
@click.option("--address", default=None, help="Ray cluster address (with --executor ray), e.g. auto or HOST:6379.")
@click.option("--sandbox", "sandbox_name", default="namespaces", show_default=True,
              help="Sandbox backend: namespaces, docker, or unisolated "
                   "(no isolation: only when named; see docs/sandbox.md).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@LANG_OPTION
@click.option("--gpus", default=None,
              help="docker: GPUs for each container: all, a count, or device ids (device=0, 0,1).")
@click.option("--gpu-devices", default=None, help="docker: pin each submission to one of these GPUs (0,1,... or all).")
@click.option("--gpu-share", type=int, default=1, show_default=True, help="Submissions sharing one GPU at a time.")
@click.option("--memory", default=None, help="Override resources.memory, e.g. 8GiB.")
@click.option("--cpus", default=None, help="Override resources.cpus.")
@click.option("--timeout", default=None, help="Override limits.total_timeout (seconds).")
@click.option("--limit", "limits", multiple=True, metavar="KEY=VALUE",
              help="Override any limits.* or resources.* key, e.g. --limit disk=2GiB (repeatable).")
@click.option("--image", default=None, help="docker: use this image instead of the assignment's runtime image.")
@click.option("--object", "objects", multiple=True, metavar="NAME=NOTEBOOK_NAME",
              help="Regrade these notebooks reading NAME (an objects: role or a name the checks look up) as the "
                   "notebook's NOTEBOOK_NAME, e.g. --object predict=my_predict (repeatable; implies --regrade).")
def grade(course: Path | None, assignment: str, paths: tuple[Path, ...], out: Path | None, gradebook: Path | None,
          roster: Path | None, regrade: bool, workers: int | None, executor: str, address: str | None,
          sandbox_name: str, as_json: bool, lang: str, gpus: str | None, gpu_devices: str | None, gpu_share: int,
          memory: str | None, cpus: str | None, timeout: str | None, limits: tuple[str, ...],
          image: str | None, objects: tuple[str, ...]) -> None:
    """Grade a class: notebooks, folders or LMS export zips (Canvas, Moodle) into the gradebook.
    Already-graded submissions are skipped, so an interrupted run resumes where it stopped."""
    from grader.batch.gpus import parse_devices
    from grader.batch.session import ClassOptions, grade_class_from_paths
    from grader.course import load_assignment
    from grader.overrides import object_names, parse_key_values, with_overrides
    from grader.report.terminal import checks_table, summary_table

    if sandbox_name != "docker" and (gpus or image or gpu_devices):
        raise click.UsageError("--gpus, --gpu-devices and --image need --sandbox docker")
    named = {"gpus": gpus, "memory": memory, "cpus": cpus, "total_timeout": timeout}
    overrides = {**parse_key_values(limits), **{key: value for key, value in named.items() if value is not None}}
    loaded = with_overrides(load_assignment(assignment, root=course), overrides)
    out = out or Path("grading-output") / loaded.id
    devices = parse_devices(gpu_devices)
    options = ClassOptions(
        assignment=loaded, paths=list(paths), out=out, gradebook=gradebook or out.parent / "gradebook.sqlite",
        roster=roster, sandbox=sandbox_name,
        sandbox_options={"requirements": loaded.spec.requirements, "image": image} if sandbox_name == "docker" else {},
        workers=workers or max(1, len(devices) * gpu_share), gpu_devices=devices, gpu_share=gpu_share,
        executor=executor, address=address, regrade=regrade, lang=lang, objects=object_names(loaded, objects))
    summary = grade_class_from_paths(options)
    results = list(summary.outcome.results.values())
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    elif results:
        click.echo(checks_table(results[0]) if len(results) == 1 else summary_table(results))
    for source, reason in summary.intake.refused:
        click.echo(_("refused {source}: {reason}").format(source=source, reason=reason), err=True)
    if summary.intake.missing:
        click.echo(_("no submission from: {names}").format(names=", ".join(s.name for s in summary.intake.missing)),
                   err=True)
    if summary.needs_review:
        click.echo(_("needs review by hand: {names}").format(names=", ".join(summary.needs_review)), err=True)
    click.echo(_("results: {out}  gradebook: {gradebook}").format(out=out, gradebook=options.gradebook), err=True)
    sys.exit(int(summary.exit_code))


@main.command()
@COURSE_OPTION
@click.argument("assignment")
@GRADEBOOK_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results folder (default: the gradebook's folder / ASSIGNMENT).")
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--sandbox", "sandbox_name", default="namespaces", show_default=True)
def regrade(course: Path | None, assignment: str, gradebook: Path, out: Path | None, workers: int,
            sandbox_name: str) -> None:
    """After a rubric change: grade every current submission under the new rubric version,
    re-scoring stored observations where the change allows it instead of re-running notebooks."""
    from grader.batch.session import regrade_class
    from grader.course import load_assignment
    from grader.report.terminal import summary_table

    loaded = load_assignment(assignment, root=course)
    options = {"requirements": loaded.spec.requirements} if sandbox_name == "docker" else {}
    outcome = regrade_class(loaded, gradebook, out or gradebook.parent / loaded.id, sandbox=sandbox_name,
                            sandbox_options=options, workers=workers)
    results = list(outcome.results.values())
    click.echo(summary_table(results))
    click.echo(f"rubric v{loaded.rubric.version}: {outcome.rescored} re-scored from stored observations, "
               f"{outcome.graded - outcome.rescored} run again, {outcome.skipped} already current", err=True)
    sys.exit(int(batch_exit_code(results)))


@main.group()
def manual() -> None:
    """Points an instructor enters for `manual` checks (e.g. a paper review)."""


@manual.command("set")
@COURSE_OPTION
@GRADEBOOK_OPTION
@click.argument("assignment")
@click.argument("student")
@click.argument("check_id", metavar="CHECK")
@click.argument("points", type=float)
@click.option("--comment", default="", help="Shown to the student with the points.")
def manual_set(course: Path | None, gradebook: Path, assignment: str, student: str, check_id: str, points: float,
               comment: str) -> None:
    """Give STUDENT (id, login or e-mail) POINTS on the manual check CHECK."""
    from grader.course import load_assignment
    from grader.gradebook.manual import ManualEntry, validate_entry
    from grader.gradebook.store import Gradebook

    rubric = load_assignment(assignment, root=course).rubric
    validate_entry(ManualEntry(student, check_id, points, comment), rubric)
    with Gradebook.open(gradebook) as book:
        book.set_manual(assignment, book.find_student(student), check_id, points, comment)
    click.echo(f"{student}: {check_id} = {points:g}")


@manual.command("import")
@COURSE_OPTION
@GRADEBOOK_OPTION
@click.argument("assignment")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def manual_import(course: Path | None, gradebook: Path, assignment: str, sheet: Path) -> None:
    """Enter manual points from a CSV with columns student, check, points, comment. All rows are
    checked first: one bad row changes nothing."""
    from grader.course import load_assignment
    from grader.gradebook.manual import read_sheet
    from grader.gradebook.store import Gradebook

    entries = read_sheet(sheet, load_assignment(assignment, root=course).rubric)
    with Gradebook.open(gradebook) as book:
        resolved = [(book.find_student(e.student), e) for e in entries]
        for student_id, entry in resolved:
            book.set_manual(assignment, student_id, entry.check, entry.points, entry.comment)
    click.echo(f"{len(entries)} manual grade(s) entered from {sheet}")


@main.command()
@COURSE_OPTION
@click.argument("assignment", required=False)
@click.option("--all", "all_assignments", is_flag=True, help="Validate every assignment in the course.")
@click.option("--sandbox", "sandbox_name", default="namespaces", show_default=True)
@click.option("--workers", type=int, default=1, show_default=True, help="Notebooks graded at once.")
@click.option("--draws", type=click.IntRange(min=1), default=1, show_default=True,
              help="Hidden splits to prove it on: this cache's, then freshly drawn ones "
                   "(each notebook still runs once).")
def validate(course: Path | None, assignment: str | None, all_assignments: bool, sandbox_name: str, workers: int,
             draws: int) -> None:
    """Prove the reference solution earns full marks and each known-wrong submission loses
    exactly the checks it declares, on every hidden draw. Exit 0 if all hold, 1 if any does not."""
    from grader.course import course_root, list_assignments, load_assignment
    from grader.pipeline import GradingOptions
    from grader.sandbox import get_sandbox
    from grader.validate import validate_assignment

    if bool(assignment) == all_assignments:
        raise click.UsageError("give an ASSIGNMENT or --all")
    if assignment:
        root, names = course, [assignment]
    else:  # --all
        root = course_root(course)
        names = list_assignments(root)
    run = GradingOptions(sandbox=get_sandbox(sandbox_name))
    ok = True
    for name in names:
        report = validate_assignment(load_assignment(name, root=root), run, workers=workers, draws=draws)
        ok &= report.ok
        click.secho(f"{name}: {'ok' if report.ok else 'FAILED'}", fg="green" if report.ok else "red", bold=True)
        for verdict in report.verdicts:
            mark = click.style("✓" if verdict.ok else "✗", fg="green" if verdict.ok else "red")
            click.echo(f"  {mark} {verdict.notebook}: {verdict.message}")
        if report.spreads:
            click.echo(f"  hidden metrics over {report.draws} draws (mean ± sd):")
            for spread in report.spreads:
                click.echo(f"    {spread.line()}")
    sys.exit(int(ExitCode.PASSED if ok else ExitCode.BELOW_PASS_MARK))


@main.command()
@COURSE_OPTION
@click.argument("assignment")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def release(course: Path | None, assignment: str, out: Path) -> None:
    """Write the student bundle: starter, README, public checks and public data only."""
    from grader.course import load_assignment
    from grader.release import release as make_bundle

    target = make_bundle(load_assignment(assignment, root=course), out)
    click.echo(f"bundle written to {target}")
    click.echo(f"students self-check with: grader check {target} NOTEBOOK.ipynb")


@main.command("env")
@COURSE_OPTION
@click.argument("assignment", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def env_command(course: Path | None, assignment: str | None, as_json: bool) -> None:
    """The grading environment: Python and package versions, device, offline, the dataset
    stand-ins; with ASSIGNMENT, only what its requirements and datasets involve."""
    from grader.course import load_assignment
    from grader.environment import grading_environment

    environment = grading_environment(load_assignment(assignment, root=course).spec if assignment else None)
    click.echo(json.dumps(environment.to_dict(), indent=2) if as_json else environment.text())


@main.group()
def image() -> None:
    """Runtime images for the docker sandbox (see docs/docker.md)."""


IMAGE_RECIPE_OPTIONS = [
    COURSE_OPTION,
    click.option("--cpu/--cuda", "cpu", default=True, help="CPU image (default) or CUDA image."),
    click.option("--assignment", default=None,
                 help="Add this assignment's requirements (default: none beyond the grader's own)."),
    click.option("--requirement", "requirements", multiple=True, metavar="PACKAGE", help="Add a package (repeatable)."),
]


def _recipe_options(command):  # noqa: ANN001, ANN202 - a click command
    for option in reversed(IMAGE_RECIPE_OPTIONS):
        command = option(command)
    return command


def _recipe(course: Path | None, cpu: bool, assignment: str | None, requirements: tuple[str, ...]):  # noqa: ANN202
    from grader.course import load_assignment
    from grader.sandbox.images import Recipe

    wanted = tuple(load_assignment(assignment, root=course).spec.requirements) if assignment else ()
    return Recipe("cpu" if cpu else "cuda", wanted + requirements)


TORCH_INDEX_OPTION = click.option("--torch-index", default="auto", show_default=True,
                                  help="Index for torch: a URL, auto (PyTorch's CPU or CUDA index), "
                                       "or none (pip's own configuration).")


@image.command("build")
@_recipe_options
@click.option("--base", default=None, help="Base image with python3 and venv (default: python:3.11-slim-bookworm).")
@click.option("--wheelhouse", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Offline: install only from the wheels in this folder (see `grader image wheelhouse`).")
@TORCH_INDEX_OPTION
@click.option("--rebuild", is_flag=True, help="Build even if the image exists.")
@click.option("--quiet", is_flag=True, help="Do not print the build output.")
def image_build(course: Path | None, cpu: bool, assignment: str | None, requirements: tuple[str, ...], base: str | None,
                wheelhouse: Path | None, torch_index: str, rebuild: bool, quiet: bool) -> None:
    """Build the runtime image (or reuse it when it exists with the same base)."""
    from grader.sandbox.docker import connect
    from grader.sandbox.images import DEFAULT_BASE, build_image

    recipe = _recipe(course, cpu, assignment, requirements)
    outcome = build_image(connect(), recipe, base=base or DEFAULT_BASE, wheelhouse=wheelhouse,
                          torch_index=None if torch_index == "none" else torch_index, rebuild=rebuild,
                          log=(lambda line: None) if quiet else (lambda line: click.echo(line, err=True)))
    how = "reused" if outcome.reused else f"built in {outcome.seconds:.0f} s"
    click.echo(f"{outcome.tag} ({how}, {outcome.size / 1e6:.0f} MB)")


@image.command("wheelhouse")
@_recipe_options
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--python-version", default="3.11", show_default=True, help="The image's Python version.")
@TORCH_INDEX_OPTION
def image_wheelhouse(course: Path | None, cpu: bool, assignment: str | None, requirements: tuple[str, ...],
                     directory: Path, python_version: str, torch_index: str) -> None:
    """Download every wheel an offline `image build --wheelhouse DIRECTORY` needs (run where PyPI is reachable)."""
    from grader.sandbox.images import download_wheelhouse

    count = download_wheelhouse(directory, _recipe(course, cpu, assignment, requirements),
                                python_version=python_version,
                                torch_index=None if torch_index == "none" else torch_index,
                                log=lambda line: click.echo(line, err=True))
    click.echo(f"{directory}: {count} wheels")


@image.command("tag")
@_recipe_options
def image_tag(course: Path | None, cpu: bool, assignment: str | None, requirements: tuple[str, ...]) -> None:
    """Print the tag of the runtime image (what `grade --sandbox docker` looks for)."""
    click.echo(_recipe(course, cpu, assignment, requirements).tag)


def _report(results: list[GradeResult], *, as_json: bool, table: str) -> None:
    if as_json:
        payload = results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        click.echo(table, err=True)
    else:
        click.echo(table)


main.add_command(export)
main.add_command(report)
main.add_command(new)
main.add_command(build)
main.add_command(serve)
main.add_command(similarity)
