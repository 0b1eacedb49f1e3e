"""What a page in another language must not contain: the grader's own English (the msgids of
grader/locale/messages.pot), outside the student's code and values (<code>, <pre>)."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

from grader.i18n.catalog import LOCALE_DIR

PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)s|%%")
SKIPPED = {"code", "pre", "style", "script", "svg"}  # student code, values, and no words at all


@functools.cache
def english(lang: str = "ru") -> tuple[frozenset[str], tuple[str, ...]]:
    """(whole msgids without placeholders, phrases of two words or more between placeholders) of
    every entry whose translation differs from its msgid."""
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file)
    whole, phrases = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in strings:
                continue  # the same in both languages ("precision", "{dataset}: {sizes}")
            pieces = [piece.strip(" .,:;()'`") for piece in PLACEHOLDER.split(msgid)]
            if len(pieces) == 1 and pieces[0]:
                whole.add(pieces[0])
            phrases.update(piece for piece in pieces if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2 and len(piece) >= 10)
    return frozenset(whole), tuple(sorted(phrases, key=len, reverse=True))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.nodes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in ("br", "meta", "link", "img", "input", "hr"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if data.strip() and not SKIPPED & set(self.open):
            self.nodes.append(" ".join(data.split()))


def text_nodes(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return parser.nodes


def untranslated(page: str, lang: str = "ru", *, instructors: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(text node, the English in it) for each text node that is, or contains, the grader's English;
    `instructors`: the rubric's own text, which is shown as the instructor wrote it."""
    whole, phrases = english(lang)
    found = []
    for node in text_nodes(page):
        if any(text and text in node for text in instructors):
            continue
        bare = node.strip(" .,:;()'`—·")
        if bare in whole:
            found.append((node, bare))
            continue
        hit = next((phrase for phrase in phrases if phrase in node), None)
        if hit:
            found.append((node, hit))
    return found
