"""`grader release`: the student bundle. Only what a student may see goes in: the starter, the
README(s), the public checks, the public data. Never the reference, hidden checks or hidden data."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import yaml

from grader.course import ASSIGNMENT_FILE, BUNDLE_RUBRIC, LoadedAssignment
from grader.errors import UsageError

PUBLIC_DATA_DIR = "data"


def release(assignment: LoadedAssignment, out: Path) -> Path:
    """Write the bundle to out/<id>/ and return that folder."""
    target = out / assignment.id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    spec = assignment.spec.model_dump(mode="json", exclude_defaults=True)
    spec.setdefault("evaluation", {}).pop("hidden", None)
    _write_yaml(target / ASSIGNMENT_FILE, {"id": assignment.id, **spec})
    public = assignment.rubric.public_only().model_dump(mode="json", by_alias=True, exclude_defaults=True)
    _write_yaml(target / BUNDLE_RUBRIC, {"assignment": assignment.id, **public})
    _copy_starter(assignment, target)
    for readme in sorted(assignment.directory.glob("README*.md")):
        shutil.copyfile(readme, target / readme.name)
    data = assignment.directory / PUBLIC_DATA_DIR
    if data.is_dir():
        shutil.copytree(data, target / PUBLIC_DATA_DIR)
    return target


def _copy_starter(assignment: LoadedAssignment, target: Path) -> None:
    source = assignment.directory / assignment.spec.starter
    if not source.is_file():
        raise UsageError(f"the starter notebook {source} does not exist")
    notebook = nbformat.read(str(source), as_version=4)
    notebook.metadata.setdefault("grader", {})["assignment"] = assignment.id  # lets check spot a wrong assignment
    nbformat.write(notebook, str(target / assignment.spec.starter))


def _write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
