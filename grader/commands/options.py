"""Options several commands share, defined once."""

from __future__ import annotations

from pathlib import Path

import click

COURSE_OPTION = click.option("--course", type=click.Path(file_okay=False, path_type=Path), default=None,
                             envvar="GRADER_COURSE", help="Course folder with assignments/ and rubrics/.")
GRADEBOOK_OPTION = click.option("--gradebook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                required=True, envvar="GRADER_GRADEBOOK", help="The course's SQLite gradebook.")
