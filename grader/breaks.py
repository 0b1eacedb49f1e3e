"""Known breaks: what a notebook written elsewhere hits in the grading environment (Keras 2 code on
Keras 3, torch 1 idioms, Colab-only modules, CUDA without a GPU, `!pip install`, a stand-in
smaller than the real set), each explained in one line next to the cell it stopped.

The table is data: grader/breaks.yaml, extended by a course's `breaks.yaml` (beside
assignments/) and an assignment's (beside assignment.yaml); see docs/known-breaks.md. Matching
is pure: it reads the cell record the sandbox reported (error, traceback, the head of its source)
and what the host knows about the environment (`BreakContext`), so a re-score gives the same hints.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from grader.contract import CellRecord, CellStatus
from grader.environment import StandIn, canonical, importable_modules, installed_versions, stand_in
from grader.errors import SpecError
from grader.i18n import N_, Joined, Message, Text, Variants, join, render
from grader.spec.assignment import IDENTIFIER, Assignment, Strict
from grader.spec.localized import LocalizedText
from grader.spec.validation import validate_model
from grader.spec.yamlfile import line_of, load_yaml_with_lines

BREAKS_FILE = "breaks.yaml"
BUILT_IN = Path(__file__).resolve().parent / BREAKS_FILE
FAILED = (CellStatus.ERROR, CellStatus.TIMEOUT)


@dataclass(frozen=True)
class BreakContext:
    """What the host knows about the grading environment, for filling in hints."""

    versions: Mapping[str, str] = field(default_factory=dict)   # distribution (canonical name) -> version
    modules: Mapping[str, str] = field(default_factory=dict)    # importable top-level module -> distribution
    stand_ins: Sequence[StandIn] = ()                           # the assignment's datasets


@dataclass(frozen=True)
class Hint:
    id: str
    message: str | Variants  # Variants: the entry's hint in each of its languages, with the values that fill it

    @property
    def text(self) -> str:
        """The hint in English (or the entry's first language)."""
        return render(self.message) or ""


# Facts: placeholders the grader computes from a match and the context. One that cannot be
# computed (None) means the entry does not apply to this cell.
Fact = Callable[[Mapping[str, str], str, BreakContext], Message | None]


def _missing(groups: Mapping[str, str], source: str, context: BreakContext) -> str | None:
    top = groups["module"].split(".")[0]
    return None if top in context.modules else top


def _installed(groups: Mapping[str, str], source: str, context: BreakContext) -> str | None:
    distribution = context.modules.get(groups["module"].split(".")[0])
    if distribution is None or distribution not in context.versions:
        return None
    return f"{distribution} {context.versions[distribution]}"


def _stand_in(groups: Mapping[str, str], source: str, context: BreakContext) -> Message | None:
    size = int(groups["size"])
    for data in context.stand_ins:
        splits = [split for split, count in data.sizes.items() if count == size]
        if splits:
            others = ", ".join(f"{count:,} {split}" for split, count in data.sizes.items() if split != splits[0])
            said = N_("The grader's `{dataset}` is a smaller stand-in: its {split} split has {size:,} examples",
                      dataset=data.dataset, split=splits[0], size=size)
            return N_("{stand_in} ({others})", stand_in=said, others=others) if others else said
    return None


PIP_LINE = re.compile(r"^\s*(?:[!%]\s*(?:pip3?|python3?\s+-m\s+pip|\{sys\.executable\}\s+-m\s+pip)\s+install)\s+(.*)$",
                      re.MULTILINE)
PIP_OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                          "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root"}


def pip_packages(source: str) -> list[str]:
    """The package names a cell's `!pip install` / `%pip install` lines name (options, files and
    URLs left out)."""
    names: list[str] = []
    for line in PIP_LINE.finditer(source):
        skip = False
        for token in line.group(1).split():
            if token.startswith("#"):
                break
            token = token.strip("'\"")
            if skip or token in PIP_OPTIONS_WITH_VALUE:
                skip = not skip
                continue
            if token.startswith(("-", "$", "{")) or "/" in token:
                continue
            name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", token)
            if name:
                names.append(name.group(0))
    return list(dict.fromkeys(names))


def _pip_report(groups: Mapping[str, str], source: str, context: BreakContext) -> Message | None:
    names = pip_packages(source)
    there = [f"{n} {context.versions[canonical(n)]}" for n in names if canonical(n) in context.versions]
    absent = [n for n in names if canonical(n) not in context.versions]
    parts = []
    if absent:
        parts.append(N_("{packages} is not in the grading environment", packages=", ".join(absent)) if len(absent) == 1
                     else N_("{packages} are not in the grading environment", packages=", ".join(absent)))
    if there:
        parts.append(N_("{packages} is already there", packages=", ".join(there)) if len(there) == 1
                     else N_("{packages} are already there", packages=", ".join(there)))
    return join(parts) if parts else N_("it names no package the grader could check")


def _datasets(groups: Mapping[str, str], source: str, context: BreakContext) -> Message | None:
    if not context.stand_ins:
        return N_("none (this lab uses no dataset)")
    return join([data.describe() for data in context.stand_ins])


FACTS: dict[str, tuple[Fact, str | None]] = {   # name -> (fact, the named group it needs)
    "missing": (_missing, "module"),
    "installed": (_installed, "module"),
    "stand_in": (_stand_in, "size"),
    "pip_report": (_pip_report, None),
    "datasets": (_datasets, None),
}
PATTERN_FIELDS = ("error", "traceback", "source")


class Match(Strict):
    """What a cell must show for an entry to apply; every pattern given must be found. Patterns
    are Python regular expressions, searched with re.MULTILINE."""

    error: str | None = Field(None, description="searched in 'ErrorName: message'")
    traceback: str | None = Field(None, description="searched in the traceback (it shows the failing line)")
    source: str | None = Field(None, description="searched in the head of the cell's source (200 characters)")
    cells: Literal["failed", "any"] = Field("failed", description="any: also a cell that ran without error")

    @field_validator("error", "traceback", "source")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _something_to_match(self) -> Match:
        if not any(getattr(self, name) for name in PATTERN_FIELDS):
            raise ValueError("give at least one of error, traceback, source")
        if self.cells == "any" and not self.source:
            raise ValueError("cells: any needs a source pattern (a cell that ran has no error to match)")
        return self

    def groups(self) -> set[str]:
        return {name for pattern in self.patterns().values() for name in re.compile(pattern).groupindex}

    def patterns(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in PATTERN_FIELDS if getattr(self, name)}


class Break(Strict):
    id: str = Field(pattern=IDENTIFIER)
    match: Match
    hint: LocalizedText = Field(description="one line, or one per language ({en: ..., ru: ...}); "
                                            "{placeholders}: see docs/known-breaks.md")

    @property
    def templates(self) -> list[str]:
        """The hint in each of its languages."""
        return list(self.hint.texts.values()) if isinstance(self.hint, Variants) else [self.hint]

    @model_validator(mode="after")
    def _placeholders_known(self) -> Break:
        groups = self.match.groups()
        for name in {name for template in self.templates for name in placeholders(template)}:
            if name in groups or name == "version":
                continue
            if name not in FACTS:
                known = sorted({*groups, "version[PACKAGE]", *FACTS})
                raise ValueError(f"hint: unknown placeholder {{{name}}}; known here: {', '.join(known)}")
            needs = FACTS[name][1]
            if needs and needs not in groups:
                raise ValueError(f"hint: {{{name}}} needs a pattern with the named group (?P<{needs}>...)")
        return self

    def hint_for(self, cell: CellRecord, context: BreakContext) -> Hint | None:
        """This entry's hint for `cell`, or None when it does not apply."""
        if cell.status not in FAILED and not (self.match.cells == "any" and cell.status == CellStatus.OK):
            return None
        error = cell.error or {}
        texts = {"error": f"{error.get('ename', '')}: {error.get('evalue', '')}" if error else "",
                 "traceback": error.get("traceback", ""), "source": cell.source_head}
        groups: dict[str, str] = {}
        for name, pattern in self.match.patterns().items():
            found = re.search(pattern, texts[name], re.MULTILINE)
            if found is None:
                return None
            groups.update({key: value for key, value in found.groupdict().items() if value is not None})
        values: dict[str, object] = {**groups, "version": dict(context.versions)}
        for name in {name for template in self.templates for name in placeholders(template)}:
            if name in FACTS and name not in values:
                fact, _ = FACTS[name]
                try:
                    value = fact(groups, cell.source_head, context)
                except KeyError:
                    return None
                if value is None:
                    return None
                values[name] = value
        english = {name: str(value) if isinstance(value, Text | Variants | Joined) else value
                   for name, value in values.items()}
        try:
            hints = [string.Formatter().vformat(template, (), english).strip() for template in self.templates]
        except (KeyError, IndexError, ValueError):
            return None   # e.g. {version[keras]} where keras is not installed
        if isinstance(self.hint, Variants):
            used = {name for template in self.templates for name in placeholders(template)}
            return Hint(self.id, Variants({code: text.strip() for code, text in self.hint.texts.items()},
                                          {name: value for name, value in values.items() if name in used}))
        return Hint(self.id, hints[0][:1].upper() + hints[0][1:])


def placeholders(template: str) -> list[str]:
    """The names a str.format template uses ("version" for {version[keras]})."""
    return [re.split(r"[.\[]", name, maxsplit=1)[0] for _, name, _, _ in string.Formatter().parse(template)
            if name is not None]


class BreaksFile(Strict):
    breaks: list[Break]


@dataclass(frozen=True)
class KnownBreaks:
    """A table of breaks and the environment it is read against; the first entry that matches a
    cell gives its hint."""

    table: Sequence[Break] = ()
    context: BreakContext = BreakContext()

    def hint_for(self, cell: CellRecord) -> Hint | None:
        for entry in self.table:
            hint = entry.hint_for(cell, self.context)
            if hint is not None:
                return hint
        return None

    def noted_cells(self, cells: Sequence[CellRecord]) -> list[tuple[CellRecord, Hint | None]]:
        """The cells feedback lists: every failed one, with its hint if any, and a cell that ran
        but matches an entry for any cell (a `!pip install`), with that hint."""
        noted = []
        for cell in cells:
            hint = self.hint_for(cell)
            if cell.status in FAILED or hint is not None:
                noted.append((cell, hint))
        return noted


def load_breaks_file(path: Path) -> list[Break]:
    """One breaks.yaml, validated; every problem reported with its line."""
    data, lines = load_yaml_with_lines(path)
    if data is None:
        return []
    loaded = validate_model(BreaksFile, data, path=path, lines=lines)
    seen: dict[str, int] = {}
    for index, entry in enumerate(loaded.breaks):
        if entry.id in seen:
            raise SpecError(f"invalid {path.name}:\n  {path}:{line_of(lines, ('breaks', index, 'id'))}: "
                            f"breaks[{index}].id: {entry.id!r} is already used by breaks[{seen[entry.id]}]")
        seen[entry.id] = index
    return loaded.breaks


@functools.lru_cache(maxsize=1)
def built_in_breaks() -> tuple[Break, ...]:
    return tuple(load_breaks_file(BUILT_IN))


def instructor_breaks(folder: Path, course: Path | None) -> tuple[Break, ...]:
    """The entries an instructor added: the assignment folder's breaks.yaml, then the course's."""
    entries: list[Break] = []
    for base in (folder, course):
        if base is not None and (base / BREAKS_FILE).is_file():
            entries += load_breaks_file(base / BREAKS_FILE)
    return _first_of_each_id(entries)


def break_table(instructor: Sequence[Break]) -> tuple[Break, ...]:
    """The instructor's entries, then the built-in ones; an instructor's entry replaces the
    built-in one with its id."""
    return _first_of_each_id([*instructor, *built_in_breaks()])


def _first_of_each_id(entries: Sequence[Break]) -> tuple[Break, ...]:
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            kept.append(entry)
    return tuple(kept)


def break_context(assignment: Assignment, cache: Path, measured: Mapping[str, str] | None = None) -> BreakContext:
    """The host's view of the grading environment for `assignment`; `measured` (the versions the
    kernel reported: torch, keras, tensorflow) wins over the installed metadata, since a docker
    image may hold other versions than this host."""
    versions = dict(installed_versions())
    for name, version in (measured or {}).items():
        if canonical(name) in {"torch", "keras", "tensorflow"}:
            versions[canonical(name)] = version
    return BreakContext(versions=versions, modules=importable_modules(),
                        stand_ins=tuple(stand_in(name, cache) for name in assignment.datasets))
