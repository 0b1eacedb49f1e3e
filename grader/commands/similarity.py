"""`grader similarity`: a thin wrapper over grader.similarity (docs/similarity.md).

grader/cli.py registers it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader.commands.options import COURSE_OPTION
from grader.similarity import DEFAULT_THRESHOLD

LISTED = 10


@click.command()
@COURSE_OPTION
@click.argument("assignment")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for similarity.html (default: grading-output/ASSIGNMENT).")
@click.option("--json", "as_json", is_flag=True, help="Print every pair as JSON on stdout, best first.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEFAULT_THRESHOLD, show_default=True,
              help="Code score from which a pair is flagged (drawn on the histogram).")
@click.option("--gradebook", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              envvar="GRADER_GRADEBOOK",
              help="The course's gradebook: behaviour from the predictions grading recorded; the report is kept "
                   "there; without PATHS the submissions are read from it.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV mapping LMS ids to students, as for grader grade.")
def similarity(course: Path | None, assignment: str, paths: tuple[Path, ...], out: Path | None, as_json: bool,
               threshold: float, gradebook: Path | None, roster: Path | None) -> None:
    """Which submissions of a class look copied: code that survives renaming and reformatting,
    and shared mistakes on the hidden inputs. PATHS as for grader grade."""
    from grader.course import load_assignment
    from grader.similarity.session import SimilarityOptions, compare_class

    loaded = load_assignment(assignment, root=course)
    report, page = compare_class(SimilarityOptions(
        assignment=loaded, paths=list(paths), out=out or Path("grading-output") / loaded.id, gradebook=gradebook,
        roster=roster, threshold=threshold))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for pair in report.pairs[:LISTED]:
            behaviour = "" if pair.behaviour is None else f"  behaviour {pair.behaviour.score:.2f}"
            mark = "  FLAGGED" if pair.flagged(threshold) else ""
            click.echo(f"{pair.score:5.2f}  {pair.a}  {pair.b}{behaviour}{mark}")
        flagged = report.flagged
        click.echo(f"{len(report.students)} submissions, {len(report.pairs)} pairs, {len(flagged)} flagged "
                   f"at threshold {threshold:g}", err=True)
    for who, why in report.skipped:
        click.echo(f"not compared: {who}: {why}", err=True)
    click.echo(f"similarity report: {page}", err=True)
