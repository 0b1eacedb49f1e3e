"""A notebook's code as a stream of normalised tokens: what stays the same when a copy is
disguised by renaming, re-commenting or reformatting.

IPython syntax (`%magic`, `!shell`) is first turned into Python by IPython's own transformer, so
a cell that runs in Jupyter tokenizes; a cell magic's body (`%%time`) is read as the code it is.
Every identifier becomes one placeholder (`N`), numbers and strings become their kind, comments,
blank lines and bare string statements (docstrings) are dropped; keywords, operators and
indentation are kept, which is the structure a renamed copy still has.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from dataclasses import dataclass
from functools import lru_cache

IDENTIFIER, STRING, INTEGER, FLOAT, IMAGINARY, STATEMENT_END = "N", "S", "0", "0.0", "0j", ";"
SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
# Python 3.12 splits f-strings into parts; a literal part is text, like a string's.
FSTRING_TEXT = {getattr(tokenize, "FSTRING_MIDDLE", -1)}
STATEMENT_BOUNDARIES = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}


@dataclass(frozen=True)
class Token:
    """One normalised token and where its text starts: the cell's index among all the notebook's
    cells (0-based, as grade.json counts them) and the 1-based line within the cell's source."""

    text: str
    cell: int
    line: int


@dataclass(frozen=True)
class CodeCell:
    index: int
    source: str


def notebook_tokens(cells: list[CodeCell]) -> list[Token]:
    """The tokens of every code cell, in notebook order."""
    return [token for cell in cells for token in cell_tokens(cell.index, cell.source)]


def cell_tokens(index: int, source: str) -> list[Token]:
    """One cell's tokens; a cell that does not tokenize to the end keeps the tokens before the fault."""
    python, offset = _as_python(source)
    kept: list[Token] = []
    pending_strings: list[Token] = []  # strings that may turn out to be a bare string statement
    previous = tokenize.NEWLINE
    try:
        for found in tokenize.generate_tokens(io.StringIO(python).readline):
            kind = found.type
            if kind in SKIPPED or kind in FSTRING_TEXT:
                continue
            if kind == tokenize.STRING and (pending_strings or previous in STATEMENT_BOUNDARIES):
                pending_strings.append(Token(STRING, index, found.start[0] + offset))
                continue
            if pending_strings:
                bare = kind in (tokenize.NEWLINE, tokenize.DEDENT)  # a docstring: dropped with its line end
                kept += [] if bare else pending_strings  # else the string began an expression
                pending_strings = []
                if kind == tokenize.NEWLINE and bare:
                    continue
            kept.append(Token(_normalised(found), index, found.start[0] + offset))
            previous = kind
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return kept


def _as_python(source: str) -> tuple[str, int]:
    """(Python source, lines to add to its line numbers). A cell magic's body is its code, one
    line down; other IPython syntax goes through IPython's transformer (line count kept)."""
    if source.startswith("%%"):
        return source.partition("\n")[2], 1
    return _transformer().transform_cell(source), 0


@lru_cache(maxsize=1)
def _transformer():  # noqa: ANN202 - IPython's TransformerManager, imported when first needed
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _normalised(found: tokenize.TokenInfo) -> str:
    if found.type == tokenize.NAME:
        return found.string if keyword.iskeyword(found.string) else IDENTIFIER
    if found.type == tokenize.NUMBER:
        text = found.string.lower()
        if text.endswith("j"):
            return IMAGINARY
        is_float = ("." in text or "e" in text) and not text.startswith(("0x", "0b", "0o"))
        return FLOAT if is_float else INTEGER
    if found.type == tokenize.STRING:
        return STRING
    if found.type == tokenize.NEWLINE or found.string == ";":
        return STATEMENT_END
    if found.type == tokenize.INDENT:
        return "INDENT"
    if found.type == tokenize.DEDENT:
        return "DEDENT"
    return found.string
