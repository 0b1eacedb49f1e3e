"""Finding and loading assignments: from a course repository or from a released student bundle.

Course layout:  assignments/<id>/assignment.yaml, rubrics/<id>.yaml,
                reference_solutions/<id>.ipynb, reference_solutions/known_wrong/<id>/*.ipynb
Bundle layout:  <dir>/assignment.yaml, <dir>/rubric.yaml (public checks only), starter, README, data/
Either may add known breaks (docs/known-breaks.md): breaks.yaml beside assignment.yaml, and in a
course also at its root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from grader.breaks import Break, instructor_breaks
from grader.checks import KINDS
from grader.datasets.declared import declaration_problems
from grader.errors import SpecError, UsageError
from grader.spec.assignment import Assignment, SpecContext
from grader.spec.rubric import Check, Rubric
from grader.spec.validation import format_location, located, validate_model
from grader.spec.yamlfile import line_of, load_yaml_with_lines

ASSIGNMENT_FILE = "assignment.yaml"
BUNDLE_RUBRIC = "rubric.yaml"


@dataclass(frozen=True)
class LoadedAssignment:
    spec: Assignment
    rubric: Rubric
    params: dict[str, Any]           # check id -> validated kind-specific params
    directory: Path                  # holds assignment.yaml, the starter, README and public data
    reference: Path | None = None
    known_wrong: list[Path] = field(default_factory=list)
    breaks: tuple[Break, ...] = ()   # the instructor's known breaks (breaks.yaml), tried before the built-in ones

    @property
    def id(self) -> str:
        return self.spec.id

    def checks(self, *, public_only: bool) -> list[Check]:
        return [c for c in self.rubric.checks if c.visibility == "public" or not public_only]


def course_root(explicit: Path | None = None) -> Path:
    """--course, else $GRADER_COURSE, else the current folder, else the course bundled with grader."""
    for candidate in (explicit, os.environ.get("GRADER_COURSE"), Path.cwd(), Path(__file__).resolve().parents[2]):
        if candidate and (Path(candidate) / "assignments").is_dir():
            return Path(candidate).resolve()
    raise UsageError("no course found: run inside a course folder (with assignments/) or pass --course DIR")


def list_assignments(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / "assignments").glob(f"*/{ASSIGNMENT_FILE}"))


def load_assignment(reference: str, *, root: Path | None = None) -> LoadedAssignment:
    """Load by id (from the course) or by folder (a course assignment folder or a student bundle)."""
    folder = Path(reference)
    if (folder / ASSIGNMENT_FILE).is_file():
        folder = folder.resolve()
        rubric_path = folder / BUNDLE_RUBRIC
        course = folder.parent.parent if folder.parent.name == "assignments" else None
        if not rubric_path.is_file() and course is not None:
            rubric_path = course / "rubrics" / f"{folder.name}.yaml"
    else:
        course = course_root(root)
        folder = course / "assignments" / reference
        if not (folder / ASSIGNMENT_FILE).is_file():
            known = ", ".join(list_assignments(course)) or "none"
            raise UsageError(f"unknown assignment {reference!r} in {course}; known: {known}")
        rubric_path = course / "rubrics" / f"{reference}.yaml"
    spec = load_spec(folder / ASSIGNMENT_FILE)
    if not rubric_path.is_file():
        raise SpecError(f"no rubric for {spec.id}: expected {rubric_path}")
    rubric, params = load_rubric(rubric_path, spec)
    reference_nb, wrong = None, []
    if course is not None:
        candidate = course / "reference_solutions" / f"{spec.id}.ipynb"
        reference_nb = candidate if candidate.is_file() else None
        wrong = sorted((course / "reference_solutions" / "known_wrong" / spec.id).glob("*.ipynb"))
    return LoadedAssignment(spec, rubric, params, folder, reference_nb, wrong, instructor_breaks(folder, course))


def load_spec(path: Path) -> Assignment:
    """The spec, its own datasets' files read and checked (a bad one is a SpecError with its line)."""
    data, lines = load_yaml_with_lines(path)
    spec = validate_model(Assignment, data, path=path, lines=lines, context=SpecContext.of(path, data))
    problems = [located(path, lines, ("own_datasets", name, *where), message)
                for name, own in spec.own_datasets.items() for where, message in declaration_problems(name, own)]
    for use in ("public", "hidden"):
        split = getattr(spec.evaluation, use)
        if split is None or split.dataset not in spec.own_datasets:
            continue
        if split.split not in spec.own_datasets[split.dataset].splits():
            problems.append(located(path, lines, ("evaluation", use, "split"),
                                    f"own dataset {split.dataset!r} declares no {split.split} split"))
        elif use == "public" and split.split == "hidden":
            problems.append(located(path, lines, ("evaluation", use, "split"),
                                    "public checks run in a student's self-check too, which has no hidden split: "
                                    "evaluate them on train or test"))
    if problems:
        raise SpecError(f"invalid {path.name}:\n  " + "\n  ".join(problems))
    return spec


def load_rubric(path: Path, spec: Assignment) -> tuple[Rubric, dict[str, Any]]:
    """Validate the rubric, then each check's params against its kind; report every problem at once."""
    data, lines = load_yaml_with_lines(path)
    rubric = validate_model(Rubric, data, path=path, lines=lines)
    problems: list[str] = []
    params: dict[str, BaseModel] = {}
    if rubric.assignment != spec.id:
        problems.append(f"{path}:{line_of(lines, ('assignment',))}: assignment: is {rubric.assignment!r} "
                        f"but the assignment spec's id is {spec.id!r}")
    for index, check in enumerate(rubric.checks):
        where = ("checks", index)
        kind = KINDS.get(check.kind)
        if kind is None:
            problems.append(f"{path}:{line_of(lines, where + ('kind',))}: {format_location(where + ('kind',))}: "
                            f"unknown check kind {check.kind!r}; allowed: {', '.join(sorted(KINDS))}")
            continue
        try:
            params[check.id] = validate_model(kind.Params, check.params, path=path, lines=lines,
                                              prefix=where + ("params",))
        except SpecError as exc:
            problems += str(exc).splitlines()[1:]
            continue
        for split in kind.evaluation_splits(check, params[check.id]):
            if getattr(spec.evaluation, split) is None:
                problems.append(f"{path}:{line_of(lines, where)}: {format_location(where)}: needs the '{split}' "
                                f"evaluation data, but the assignment defines no evaluation.{split}")
    if problems:
        raise SpecError(f"invalid {path.name}:\n  " + "\n  ".join(p.strip() for p in problems))
    return rubric, params
