"""docs/formats.md is the rubric author's reference: every check kind and every architecture
assertion the code accepts is named there, so a new one cannot land undocumented. The module table
of docs/architecture.md names every package and top-level module of grader/ (and every module of
the sandbox and the harness), and nothing that no longer exists."""

from __future__ import annotations

import re

from conftest import REPO
from grader.checks import KINDS
from grader.checks.architecture.expectation import Expectation

FORMATS = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGE = REPO / "grader"
EVERY_MODULE_LISTED = ("sandbox", "harness")  # packages whose modules each have a row, or a mention in its row


def module_table() -> dict[str, str]:
    """docs/architecture.md's module table: the path in the first column -> the role."""
    rows = re.findall(r"^\| `(grader/[^`]*)` \| (.*) \|$", ARCHITECTURE, flags=re.MULTILINE)
    assert rows, "docs/architecture.md has no module table"
    return dict(rows)


def test_every_package_and_top_level_module_is_in_the_architecture_table():
    table = module_table()
    expected = {f"grader/{p.name}/" for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    expected |= {f"grader/{p.name}" for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    for package in EVERY_MODULE_LISTED:
        row = table.get(f"grader/{package}/", "")
        expected |= {f"grader/{package}/{p.name}" for p in (PACKAGE / package).glob("*.py")
                     if p.name != "__init__.py" and f"`{p.name}`" not in row}
    missing = sorted(expected - set(table))
    assert not missing, f"docs/architecture.md's module table lacks {missing}"


def test_the_architecture_table_names_nothing_that_does_not_exist():
    stale = [path for path in module_table() if not (REPO / path).exists()]
    for path, role in module_table().items():
        if path.endswith("/"):  # a package's row names its modules and subpackages by their own names
            stale += [f"{path}{name}" for name in re.findall(r"`([a-z_]+(?:\.py|/))`", role)
                      if not (REPO / path / name).exists()]
    stale += [path for path in re.findall(r"`(grader/[a-z_/]+(?:\.py)?)`", ARCHITECTURE) if not (REPO / path).exists()]
    assert not stale, f"docs/architecture.md names what grader/ no longer has: {sorted(set(stale))}"


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
