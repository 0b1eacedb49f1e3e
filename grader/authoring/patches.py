"""known_wrong.yaml beside a master source: known-wrong variants and sample submissions, each the
reference with declared patches. A patch names a cell by id and either replaces an anchor text
that occurs exactly once in that cell, or drops the cell; an anchor that vanished or became
ambiguous is an error, so a variant cannot silently stop differing from the reference.

    known_wrong:
      convolution_flipped:
        why: the textbook convolution flips the kernel; CNN layers do not
        loses: [convolution, convolution-hidden]
        patches:
          - cell: conv
            replace: "    kh, kw = kernel.shape"
            with: "    kernel = kernel[::-1, ::-1]\\n    kh, kw = kernel.shape"
    examples:
      anna_good: {}
      boris_flipped_kernel: {from: convolution_flipped}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.authoring.errors import AuthoringError, shown
from grader.spec.validation import validate_model
from grader.spec.yamlfile import Location, line_of, load_yaml_with_lines

PATCHES_FILE = "known_wrong.yaml"
NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Patch(_Strict):
    cell: str
    replace: str | None = Field(None, min_length=1, description="text that occurs exactly once in the cell")
    with_: str | None = Field(None, alias="with")
    drop: bool = False

    @model_validator(mode="after")
    def _one_action(self) -> Patch:
        if self.drop == (self.replace is not None) or (self.replace is None) != (self.with_ is None):
            raise ValueError("a patch either replaces (replace: and with:) or drops the cell (drop: true)")
        return self


class Variant(_Strict):
    why: str = Field(min_length=1, description="one line: the mistake this notebook makes")
    loses: list[str] = Field(min_length=1, description="the rubric checks it must lose, exactly")
    patches: list[Patch] = Field(min_length=1)


class Example(_Strict):
    why: str | None = None
    from_: str | None = Field(None, alias="from", description="a known-wrong variant whose patches come first")
    patches: list[Patch] = Field(default_factory=list)


class PatchFile(_Strict):
    known_wrong: dict[str, Variant] = Field(default_factory=dict)
    examples: dict[str, Example] = Field(default_factory=dict)


@dataclass(frozen=True)
class Located:
    """The patch file and its line map, to say where a patch is."""

    path: Path
    lines: dict[Location, int]

    def at(self, loc: Location) -> str:
        line = line_of(self.lines, loc)
        return f"{shown(self.path)}:{line}" if line else str(shown(self.path))


def read_patch_file(path: Path) -> tuple[PatchFile, Located]:
    """The declarations (none when the file is absent) and where each one is written."""
    if not path.is_file():
        return PatchFile(), Located(path, {})
    data, lines = load_yaml_with_lines(path)
    declared = validate_model(PatchFile, data or {}, path=path, lines=lines)
    located = Located(path, lines)
    for section, names in (("known_wrong", declared.known_wrong), ("examples", declared.examples)):
        for name in names:
            if not re.match(NAME, name):
                raise AuthoringError(f"{located.at((section, name))}: {section}.{name}: a file name of letters, "
                                     "digits, '_', '-' and '.' is expected")
    for name, example in declared.examples.items():
        if example.from_ is not None and example.from_ not in declared.known_wrong:
            raise AuthoringError(f"{located.at(('examples', name, 'from'))}: examples.{name}.from: no known-wrong "
                                 f"variant {example.from_!r}; declared: {', '.join(declared.known_wrong) or 'none'}")
    return declared, located


def apply_patches(cells: dict[str, str | None], patches: list[Patch], located: Located, where: Location,
                  positions: dict[str, int]) -> dict[str, str | None]:
    """cells (id -> source, None once dropped) with each patch applied in order."""
    patched = dict(cells)
    for index, patch in enumerate(patches):
        here = f"{located.at(where + (index,))}: {'.'.join(map(str, where))}[{index}]"
        if patch.cell not in patched:
            raise AuthoringError(f"{here}: no cell {patch.cell!r} in the master; its cells: {', '.join(cells)}")
        source = patched[patch.cell]
        cell = f"cell '{patch.cell}' (#{positions[patch.cell]})"
        if source is None:
            raise AuthoringError(f"{here}: {cell} was already dropped by an earlier patch")
        if patch.drop:
            patched[patch.cell] = None
            continue
        assert patch.replace is not None and patch.with_ is not None  # the model's validator
        count = source.count(patch.replace)
        if count != 1:
            found = "is not in" if count == 0 else f"occurs {count} times in"
            raise AuthoringError(f"{here}: the anchor {_preview(patch.replace)} {found} {cell} of the reference; "
                                 "an anchor must occur exactly once (lengthen it, or fix it to match the master)")
        patched[patch.cell] = source.replace(patch.replace, patch.with_)
    return patched


def _preview(text: str) -> str:
    first = text.split("\n")[0]
    return repr(first if len(first) <= 60 else first[:57] + "...") + (" (and more lines)" if "\n" in text else "")
