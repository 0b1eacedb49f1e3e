"""The grader's gettext catalogs (grader/locale/<lang>/LC_MESSAGES/messages.mo) and the language a
command speaks: `--lang`, else the environment's (LC_ALL, LC_MESSAGES, LANG), else English.

English needs no catalog: the msgids are English. Adding a language is adding its catalog
(docs/reports.md, Languages).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from grader.errors import UsageError
from grader.i18n.text import ENGLISH, Language

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def languages() -> tuple[str, ...]:
    """English, then every language grader/locale has a compiled catalog for."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return ("en", *[code for code in found if code != "en"])


class UnknownLanguage(UsageError):
    """A language with no catalog (exit code 2); the message lists those there are."""


@cache
def language(code: str) -> Language:
    """The language `code` with its catalog, loaded once per process."""
    if code == "en":
        return ENGLISH
    if code not in languages():
        raise UnknownLanguage(f"no language {code!r}; available: {', '.join(languages())}")
    with (LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as catalog:
        return Language(code, gettext.GNUTranslations(catalog))


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for (the first of LC_ALL, LC_MESSAGES, LANG that is set,
    as POSIX orders them) when the grader has it, else English."""
    environ = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in languages() else "en"
    return "en"


# The language of the command being run (set once by the CLI's --lang); library code that renders
# for a person takes a Language argument instead.
_current: ContextVar[Language] = ContextVar("grader_language", default=ENGLISH)


def use_language(code: str) -> Language:
    chosen = language(code)
    _current.set(chosen)
    return chosen


def current() -> Language:
    return _current.get()


def _(message: str) -> str:
    """message in the command's language, now (the CLI's own words)."""
    return _current.get().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.get().ngettext(singular, plural, n)
