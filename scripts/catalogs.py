"""The grader's translation catalogs (grader/locale), kept in step with the sources.

    .venv/bin/python scripts/catalogs.py update   # extract messages.pot, update each .po, compile each .mo
    .venv/bin/python scripts/catalogs.py check    # exit 1 when any of them is out of date (scripts/test.sh)

`update` is `pybabel extract`, `pybabel update` and `pybabel compile` with the project's
options; after it, translate the new or changed entries of each .po (no entry may stay empty or
fuzzy) and run it again to compile. `check` extracts into a temporary file and compares msgids
with messages.pot and each .po, checks every entry is translated (not fuzzy, the same
{placeholders} as its msgid), and compiles each .po in memory to compare with its committed .mo.
See docs/reports.md, Languages.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "grader" / "locale"
TEMPLATE = LOCALE / "messages.pot"
EXTRACT = ["extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_plural:1,2", "--add-location=file", "--sort-by-file",
           "--no-wrap", "--project=grader", "--copyright-holder=grader authors", "-c", "TRANSLATORS:"]
PLACEHOLDER = re.compile(r"\{(\w+)|%\((\w+)\)s")


def pybabel(*args: str) -> None:
    """pybabel run from the repository, so that the catalogs' locations read grader/checks/metric.py."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(["pybabel", "-q", *args])
    finally:
        os.chdir(before)


def update() -> None:
    pybabel(*EXTRACT, "-o", str(TEMPLATE), "grader")
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/messages.po")):
        pybabel("update", "-i", str(TEMPLATE), "-o", str(po), "-l", po.parent.parent.name, "--no-wrap",
                "--ignore-obsolete", "--no-fuzzy-matching")
        if not problems_in_translations(po):
            pybabel("compile", "-i", str(po), "-o", str(po.with_suffix(".mo")), "-l", po.parent.parent.name)
        else:
            print(f"{po.relative_to(ROOT)}: not compiled; translate first:", *problems_in_translations(po),
                  sep="\n  ")


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def problems_in_translations(po: Path) -> list[str]:
    problems = []
    for message in read(po):
        if not message.id:
            continue
        singular = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {singular!r}")
        elif not all(strings):
            problems.append(f"untranslated: {singular!r}")
        else:
            wanted = {a or b for a, b in PLACEHOLDER.findall(singular)}
            for string in strings:
                if {a or b for a, b in PLACEHOLDER.findall(string)} - wanted - {"n"}:
                    problems.append(f"placeholders differ from the msgid: {singular!r} -> {string!r}")
                elif not wanted <= {a or b for a, b in PLACEHOLDER.findall(string)} | {"n"}:
                    problems.append(f"placeholders missing in the translation: {singular!r} -> {string!r}")
    return problems


def check() -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "messages.pot"
        pybabel(*EXTRACT, "-o", str(fresh), "grader")
        extracted = ids(read(fresh))
    committed = ids(read(TEMPLATE)) if TEMPLATE.exists() else set()
    for label, missing in (("new in the sources, not in messages.pot", extracted - committed),
                           ("in messages.pot, gone from the sources", committed - extracted)):
        problems += [f"{label}: {message!r}" for message in sorted(missing, key=str)]
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/messages.po")):
        name = po.relative_to(ROOT)
        catalog = read(po)
        if ids(catalog) != extracted:
            problems.append(f"{name}: its msgids differ from the sources' ({len(ids(catalog) ^ extracted)} entries)")
        problems += [f"{name}: {problem}" for problem in problems_in_translations(po)]
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled.getvalue():
            problems.append(f"{mo.relative_to(ROOT)} is not {name} compiled")
    return problems


def main(argv: list[str]) -> int:
    if argv == ["update"]:
        update()
        return 0
    if argv == ["check"]:
        problems = check()
        for problem in problems:
            print(problem)
        if problems:
            print("the catalogs are out of date: run `.venv/bin/python scripts/catalogs.py update`, translate, "
                  "and run it again (docs/reports.md, Languages)")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
