"""The Jinja environments every HTML page is rendered with: one per language, its gettext catalog
installed for the templates' `{% trans %}` and `_()` (jinja2.ext.i18n)."""

from __future__ import annotations

from functools import cache

import jinja2

from grader.i18n import language
from grader.report.points import points


@cache
def environment(lang: str = "en") -> jinja2.Environment:
    """Built once per language and process: template parsing is most of the rendering cost. An
    unknown language raises grader.i18n.UnknownLanguage."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(language(lang).translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["points"] = points  # every page rounds points as the terminal does
    return env
