"""YAML loading that remembers where every key came from, so errors can name a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from grader.errors import SpecError

Location = tuple[str | int, ...]


def load_yaml_with_lines(path: Path) -> tuple[Any, dict[Location, int]]:
    """Return the document and a map from key path (e.g. ("checks", 2, "kind")) to its 1-based line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise SpecError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    lines: dict[Location, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return data, lines


def _record_lines(node: yaml.Node, here: Location, lines: dict[Location, int]) -> None:
    lines[here] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = here + (key_node.value,)
            _record_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, here + (index,), lines)


def line_of(lines: dict[Location, int], loc: Location) -> int | None:
    """The line of the deepest known prefix of loc (a missing key points at its parent)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
