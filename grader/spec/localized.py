"""Text an instructor writes in one or several languages: `title: Accuracy` or
`title: {en: Accuracy, ru: Точность}` (docs/formats.md, Languages).

A mapping's first language is the default: grade.json keeps its text, and a page in a language the
mapping lacks shows it. A plain string is shown as it is, whatever the page's language.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

from grader.i18n import Variants

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def _validate(value: Any) -> str | Variants:
    if isinstance(value, Variants):
        return value
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("empty text")
        return value
    if isinstance(value, dict):
        if not value:
            raise ValueError("a text by language needs at least one language, e.g. {en: ..., ru: ...}")
        for code, text in value.items():
            if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
                raise ValueError(f"{code!r} is not a language code (two or three lower-case letters: en, ru)")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"the {code} text must be a non-empty string")
        return Variants(dict(value))
    raise ValueError(f"expected a string or a mapping of language to string ({{en: ..., ru: ...}}), "
                     f"got {type(value).__name__}")


def _serialize(value: str | Variants) -> str | dict[str, str]:
    return dict(value.texts) if isinstance(value, Variants) else value


LocalizedText = Annotated[str | Variants, PlainValidator(_validate), PlainSerializer(_serialize)]
