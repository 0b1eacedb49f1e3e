"""Translation: gettext catalogs in grader/locale, texts kept as data until rendered
(docs/reports.md, Languages)."""

from grader.i18n.catalog import (
    UnknownLanguage,
    _,
    current,
    environment_language,
    language,
    languages,
    ngettext,
    use_language,
)
from grader.i18n.text import (
    ENGLISH,
    N_,
    Joined,
    Language,
    Message,
    N_plural,
    Param,
    Text,
    Translatable,
    Variants,
    from_json,
    join,
    localized,
    neutral,
    render,
    to_json,
)

__all__ = ["ENGLISH", "Joined", "Language", "Message", "N_", "N_plural", "Param", "Text", "Translatable",
           "UnknownLanguage", "Variants", "_", "current", "environment_language", "from_json", "join", "language",
           "languages", "localized", "neutral", "ngettext", "render", "to_json", "use_language"]
