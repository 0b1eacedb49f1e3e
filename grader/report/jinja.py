"""The one Jinja environment every HTML page is rendered with."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from grader.report.points import points


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Built once per process: template parsing is most of the rendering cost."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["points"] = points  # every page rounds points as the terminal does
    return env
