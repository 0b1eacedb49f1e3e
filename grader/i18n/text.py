"""Translatable text: what the grader writes for a person, kept as data until a language is chosen.

Scoring stays pure and grade.json language-neutral: a check's message is a `Text` (an English
msgid with named `{placeholders}` and the values that fill them), rendered in English for
grade.json and in the page's language for a page. Values (numbers, layer names, code, kernel
errors) are params, never translated. Stdlib only, like the rest of what grade.json is made of.
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Language:
    """A language a text is rendered in: its code ("en", "ru") and its gettext catalog."""

    code: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


ENGLISH = Language("en", gettext.NullTranslations())  # the msgids are English

Param = Union[str, int, float, bool, None, "Text", "Variants", "Joined", list[Any], dict[str, Any]]


@dataclass(frozen=True)
class Text:
    """A message in the grader's own words: `msgid` (English, with `{name}` placeholders, in
    grader/locale's catalogs) and the `params` that fill it. With `plural`, `params["n"]` picks the
    form. A param may itself be a Text (rendered in the same language) or a list of params (joined
    with ", ")."""

    msgid: str
    params: Mapping[str, Param] = field(default_factory=dict)
    plural: str | None = None

    def render(self, language: Language = ENGLISH) -> str:
        values = {name: _render_param(value, language) for name, value in self.params.items()}
        if self.plural is None:
            template = language.gettext(self.msgid)
        else:
            template = language.ngettext(self.msgid, self.plural, int(values.get("n", 0) or 0))
        return template.format(**values)

    def map_strings(self, change: Any) -> Text:
        """This text with `change` applied to every string param (kernel text made readable)."""
        def each(value: Param) -> Param:
            if isinstance(value, str):
                return change(value)
            if isinstance(value, Text | Joined):
                return value.map_strings(change)
            if isinstance(value, list):
                return [each(item) for item in value]
            return value
        return Text(self.msgid, {name: each(value) for name, value in self.params.items()}, self.plural)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class Variants:
    """The instructor's own text in several languages (a rubric's `title: {en: ..., ru: ...}`).
    The first language given is the default: the fallback for a language it lacks. With `params`,
    each language's text is a str.format template (a known break's hint) filled with them."""

    texts: Mapping[str, str]
    params: Mapping[str, Any] | None = None

    def render(self, language: Language = ENGLISH) -> str:
        template = self.texts.get(language.code) or self.default
        if self.params is None:
            return template
        values = {name: _render_param(value, language) for name, value in self.params.items()}
        return string.Formatter().vformat(template, (), values)

    @property
    def default(self) -> str:
        return next(iter(self.texts.values()))

    def map_strings(self, change: Any) -> Variants:
        return self

    def __str__(self) -> str:
        return self.render(ENGLISH) if self.params is not None else self.default


@dataclass(frozen=True)
class Joined:
    """Several texts in a row, each rendered in the reader's language ("...; ..." of problems)."""

    parts: tuple[Param, ...]
    separator: str = "; "

    def render(self, language: Language = ENGLISH) -> str:
        return self.separator.join(str(_render_param(part, language)) for part in self.parts)

    def map_strings(self, change: Any) -> Joined:
        return Joined(tuple(change(p) if isinstance(p, str) else p.map_strings(change)
                            if isinstance(p, Text | Joined) else p for p in self.parts), self.separator)

    def __str__(self) -> str:
        return self.render()


def join(parts: Any, separator: str = "; ") -> Joined:
    return Joined(tuple(parts), separator)


Translatable = Text | Variants | Joined
# What a person reads: a plain str is someone else's words (the rubric's, the kernel's), shown as is.
Message = str | Text | Variants | Joined


def N_(msgid: str, /, **params: Param) -> Text:  # noqa: N802 - the gettext convention extraction looks for
    """A translatable message, rendered later in the reader's language (pybabel extracts `N_`)."""
    return Text(msgid, _plain(params))


def N_plural(singular: str, plural: str, /, n: int, **params: Param) -> Text:  # noqa: N802 - as N_
    """A translatable message with plural forms chosen by `n` (also a placeholder)."""
    return Text(singular, _plain({"n": n, **params}), plural)


def render(message: Message | None, language: Language = ENGLISH) -> str | None:
    """message in `language`; a plain str as it is."""
    if message is None or isinstance(message, str):
        return message
    return message.render(language)


def _render_param(value: Param, language: Language) -> Any:
    if isinstance(value, Text | Variants | Joined):
        return value.render(language)
    if isinstance(value, list):
        return ", ".join(str(_render_param(item, language)) for item in value)
    return value


def _plain(params: Mapping[str, Any]) -> dict[str, Param]:
    """numpy scalars as Python numbers, so a Text is JSON as it is."""
    return {name: value.item() if hasattr(value, "item") and not isinstance(value, str | list) else value
            for name, value in params.items()}


# --- grade.json: a text as JSON, and the texts of a record kept beside its English rendering ---

def to_json(text: Translatable) -> dict[str, Any]:
    if isinstance(text, Variants):
        if text.params is not None:
            return {"variants": dict(text.texts), "params": {k: _param_json(v) for k, v in text.params.items()}}
        return {"variants": dict(text.texts)}
    if isinstance(text, Joined):
        return {"join": [_param_json(part) for part in text.parts], "separator": text.separator}
    data: dict[str, Any] = {"msgid": text.msgid, "params": {k: _param_json(v) for k, v in text.params.items()}}
    if text.plural is not None:
        data["plural"] = text.plural
    return data


def from_json(data: Mapping[str, Any]) -> Translatable:
    if "variants" in data:
        params = data.get("params")
        return Variants(dict(data["variants"]),
                        None if params is None else {k: _param_from_json(v) for k, v in params.items()})
    if "join" in data:
        return Joined(tuple(_param_from_json(part) for part in data["join"]), data.get("separator", "; "))
    return Text(data["msgid"], {k: _param_from_json(v) for k, v in data.get("params", {}).items()},
                data.get("plural"))


def _param_json(value: Any) -> Any:
    if isinstance(value, Text | Variants | Joined):
        return to_json(value)
    if isinstance(value, dict):
        return {key: _param_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_param_json(item) for item in value]
    return value


def _param_from_json(value: Any) -> Param:
    if isinstance(value, dict) and {"msgid", "variants", "join"} & value.keys():
        return from_json(value)
    if isinstance(value, dict):  # a mapping a template indexes ({version[keras]})
        return {key: _param_from_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_param_from_json(item) for item in value]
    return value


def neutral(value: Any, path: str = "") -> tuple[Any, dict[str, Translatable]]:
    """value (nested dicts and lists) with every Text and Variants rendered in English, and the
    texts by their path ("details/architecture/rows/2/note"): grade.json keeps both, so a reader in
    another language re-renders them (`localized`)."""
    texts: dict[str, Translatable] = {}
    if isinstance(value, Text | Variants | Joined):
        texts[path] = value
        return value.render(ENGLISH), texts
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out[key], inner = neutral(item, f"{path}/{key}" if path else str(key))
            texts.update(inner)
        return out, texts
    if isinstance(value, list | tuple):
        items = []
        for index, item in enumerate(value):
            rendered, inner = neutral(item, f"{path}/{index}" if path else str(index))
            items.append(rendered)
            texts.update(inner)
        return items, texts
    return value, texts


def localized(value: Any, texts: Mapping[str, Translatable], language: Language) -> Any:
    """A copy of `value` (as `neutral` left it) with each text at its path rendered in `language`;
    a path that no longer exists is skipped."""
    if not texts or language.code == ENGLISH.code and not any(isinstance(t, Variants) for t in texts.values()):
        return value
    return _replace(value, "", texts, language)


def _replace(value: Any, path: str, texts: Mapping[str, Translatable], language: Language) -> Any:
    if path in texts:
        return texts[path].render(language)
    if isinstance(value, dict):
        return {key: _replace(item, f"{path}/{key}" if path else str(key), texts, language)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, f"{path}/{index}" if path else str(index), texts, language)
                for index, item in enumerate(value)]
    return value
