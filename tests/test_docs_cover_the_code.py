"""docs/formats.md is the rubric author's reference: every check kind and every architecture
assertion the code accepts is named there, so a new one cannot land undocumented."""

from __future__ import annotations

import re

from conftest import REPO
from grader.checks import KINDS
from grader.checks.architecture.expectation import Expectation

FORMATS = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")


def test_every_check_kind_has_a_section():
    sections = set(re.findall(r"^### `([a-z_]+)`", FORMATS, flags=re.MULTILINE))
    assert set(KINDS) <= sections, f"undocumented check kinds: {sorted(set(KINDS) - sections)}"


def test_the_allowed_kinds_in_the_error_example_are_the_registry():
    listed = re.search(r"unknown check kind 'fucntion'; allowed: ([a-z_, ]+)", FORMATS).group(1)
    assert listed.split(", ") == sorted(KINDS)


def test_every_architecture_assertion_is_listed_under_expect():
    row = next(line for line in FORMATS.splitlines() if line.startswith("| `expect` |"))
    named = set(re.findall(r"`([a-z_]+)`", row))
    missing = set(Expectation.model_fields) - named
    assert not missing, f"assertions missing from the expect row of docs/formats.md: {sorted(missing)}"
