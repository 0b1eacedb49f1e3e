"""Text from the student's kernel made fit to read: no terminal colour codes, no pasted arrays,
a bounded length.

Tracebacks and exception messages carry ANSI escape codes (IPython's coloured tracebacks, Keras's
bold error lines), and an exception raised on a probe input often pastes the whole input (a
784-number tensor) into its message. Messages are for reading, so such runs of numbers become
"…784 numbers…". Stdlib only: the probe module uses it inside the kernel too.
"""

from __future__ import annotations

import re

# CSI sequences (colours, cursor moves: ESC [ ... letter) and OSC sequences (ESC ] ... BEL or ESC \)
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
# atomic groups and a token boundary keep the match linear, however long the text
_NUMBER = r"(?<![\w.])(?>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
LONGEST_NUMBER_RUN = 16  # longer runs are elided; a list of ten class labels stays readable
_NUMBER_RUN = re.compile(rf"{_NUMBER}(?:[\s,\[\]()]++{_NUMBER}){{{LONGEST_NUMBER_RUN},}}")
_NUMBER_TOKEN = re.compile(_NUMBER)
_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


def strip_ansi(text: str) -> str:
    """text without terminal escape sequences."""
    return _ANSI.sub("", text)


def elide_numbers(text: str) -> str:
    """Each run of more than LONGEST_NUMBER_RUN numbers (a pasted array or tensor) replaced by
    its count: 'tensor([[…784 numbers…]])'."""
    return _NUMBER_RUN.sub(lambda run: f"{ELLIPSIS}{len(_NUMBER_TOKEN.findall(run.group()))} numbers{ELLIPSIS}", text)


def cap(text: str, limit: int) -> str:
    """text cut to at most limit characters, marked where it was cut."""
    return text if len(text) <= limit else text[:max(0, limit - 1)].rstrip() + ELLIPSIS


def readable(text: str, limit: int | None = None) -> str:
    """Kernel text for a multi-line place (a traceback): escape codes stripped, arrays elided,
    then capped."""
    text = elide_numbers(strip_ansi(text))
    return cap(text, limit) if limit is not None else text


def one_line(text: str, limit: int | None = None) -> str:
    """Kernel text for a message: as readable(), on one line."""
    text = _SPACES.sub(" ", elide_numbers(strip_ansi(text))).strip()
    return cap(text, limit) if limit is not None else text


def exception_text(exc: BaseException, limit: int = 600) -> str:
    """'ValueError: what went wrong' for a message: the exception's type and its message, one
    line, arrays elided before the cap (so the end, often the useful part, survives a dump)."""
    try:
        message = str(exc)
    except Exception:  # a student's exception class may fail to print
        message = ""
    name = type(exc).__name__
    return one_line(f"{name}: {message}" if message else name, limit)
