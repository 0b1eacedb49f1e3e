"""`grader release`: the student bundle. Only what a student may see goes in: the starter, the
README(s), the public checks, the public data (data/, and own datasets' public splits at their
declared paths), the grading environment (requirements.txt pinned, ENVIRONMENT.md) and the
instructor's known breaks. Never the reference, hidden checks or hidden data: an own dataset's
hidden split is neither copied nor named in the bundle's assignment.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import yaml

from grader.breaks import BREAKS_FILE
from grader.course import ASSIGNMENT_FILE, BUNDLE_RUBRIC, LoadedAssignment
from grader.datasets.declared import DeclaredDataset
from grader.environment import grading_environment
from grader.errors import UsageError

PUBLIC_DATA_DIR = "data"
REQUIREMENTS_FILE = "requirements.txt"
ENVIRONMENT_FILE = "ENVIRONMENT.md"


def release(assignment: LoadedAssignment, out: Path, *, data_cache: Path | None = None) -> Path:
    """Write the bundle to out/<id>/ and return that folder. `data_cache` is where the stand-in
    sizes ENVIRONMENT.md names are read (the default dataset cache if None)."""
    target = out / assignment.id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    spec = assignment.spec.model_dump(mode="json", exclude_defaults=True)
    spec.setdefault("evaluation", {}).pop("hidden", None)
    for own in spec.get("own_datasets", {}).values():
        own.pop("hidden", None)
    _write_yaml(target / ASSIGNMENT_FILE, {"id": assignment.id, **spec})
    public = assignment.rubric.public_only().model_dump(mode="json", by_alias=True, exclude_defaults=True)
    _write_yaml(target / BUNDLE_RUBRIC, {"assignment": assignment.id, **public})
    _copy_starter(assignment, target)
    for readme in sorted(assignment.directory.glob("README*.md")):
        shutil.copyfile(readme, target / readme.name)
    data = assignment.directory / PUBLIC_DATA_DIR
    if data.is_dir():
        shutil.copytree(data, target / PUBLIC_DATA_DIR)
    for name, own in assignment.spec.own_datasets.items():
        for source, relative in DeclaredDataset(name, own).public_files():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / relative)
    environment = grading_environment(assignment.spec, cache=data_cache)
    (target / REQUIREMENTS_FILE).write_text(environment.requirements_txt(), encoding="utf-8")
    (target / ENVIRONMENT_FILE).write_text(environment.markdown(), encoding="utf-8")
    if assignment.breaks:  # the course's and the assignment's, so a self-check explains the same breaks
        _write_yaml(target / BREAKS_FILE, {"breaks": [entry.model_dump(mode="json", exclude_defaults=True)
                                                      for entry in assignment.breaks]})
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
