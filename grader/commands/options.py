"""Options several commands share, defined once."""

from __future__ import annotations

from pathlib import Path

import click

from grader.i18n import environment_language, languages, use_language

COURSE_OPTION = click.option("--course", type=click.Path(file_okay=False, path_type=Path), default=None,
                             envvar="GRADER_COURSE", help="Course folder with assignments/ and rubrics/.")


def _chosen_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """--lang, else the environment's language (LC_ALL, LC_MESSAGES, LANG), else English; the
    command's own output speaks it from here on."""
    code = value or environment_language()
    use_language(code)
    return code


LANG_OPTION = click.option("--lang", type=click.Choice(languages()), default=None, callback=_chosen_language,
                           is_eager=True, help="Language of the feedback pages and of this command's output "
                                               "(default: from LC_ALL / LC_MESSAGES / LANG, else en).")
GRADEBOOK_OPTION = click.option("--gradebook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                required=True, envvar="GRADER_GRADEBOOK", help="The course's SQLite gradebook.")
