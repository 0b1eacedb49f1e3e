"""`grader build`: from a lab's master source and known_wrong.yaml, the starter, the reference
solution, the known-wrong notebooks and the sample submissions, at the paths the rest of the
grader reads (grader/course.py). Everything is built and checked in memory first; on any error
nothing is written. Cell ids come from the master, so a rebuild gives identical bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from grader.authoring.errors import AuthoringError, CellPlace
from grader.authoring.markers import CODE_STUB, reject_markers, split_code
from grader.authoring.master import PROMPT_TAG, SOLUTION_TAG, Master, MasterCell, find_master, read_master
from grader.authoring.patches import PATCHES_FILE, Located, Patch, PatchFile, apply_patches, read_patch_file
from grader.course import list_assignments, load_assignment
from grader.datasets.files import write_atomic

TEXT_STUB = "YOUR ANSWER HERE"   # nbgrader's ClearSolutions.text_stub, for a markdown solution cell
SHORTEST_SECRET = 12             # solution lines shorter than this (`return x`, `else:`) may recur


@dataclass(frozen=True)
class Cell:
    """A cell of a built notebook."""

    id: str
    kind: str
    source: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Secret:
    """A line of solution text and where the master has it."""

    place: CellPlace
    line: int
    text: str


@dataclass
class Split:
    """The master read into the reference's cells, the starter's cells, the solution text and
    the prompt text (lines the author shows the student on purpose, even where a solution has them)."""

    reference: list[Cell] = field(default_factory=list)
    starter: list[Cell] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    prompts: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class LabBuild:
    """Every file one lab's master builds: path -> bytes, and the folders whose notebooks it owns."""

    lab: str
    root: Path                 # the course folder, for the paths it prints
    files: dict[Path, bytes]
    owned_folders: tuple[Path, ...]

    def stale(self) -> list[Path]:
        """Notebooks in the owned folders that the master no longer builds."""
        return sorted(path for folder in self.owned_folders if folder.is_dir()
                      for path in folder.glob("*.ipynb") if path not in self.files)

    def differences(self) -> list[str]:
        """What on disk differs from this build: one line per file."""
        lines = []
        for path, data in self.files.items():
            if not path.is_file():
                lines.append(f"missing  {self.shown(path)}")
            elif path.read_bytes() != data:
                lines.append(f"differs  {self.shown(path)}")
        return lines + [f"stale    {self.shown(path)} (no longer declared)" for path in self.stale()]

    def shown(self, path: Path) -> Path:
        return path.relative_to(self.root) if path.is_relative_to(self.root) else path

    def write(self) -> list[Path]:
        """Write what differs, remove what is stale; return the paths changed."""
        changed = [path for path, data in self.files.items() if not path.is_file() or path.read_bytes() != data]
        for path in changed:
            write_atomic(path, self.files[path])
        stale = self.stale()
        for path in stale:
            path.unlink()
        return changed + stale


def labs_with_master(course: Path) -> list[str]:
    return [lab for lab in list_assignments(course) if find_master(course / "assignments" / lab)]


def build_lab(course: Path, lab: str) -> LabBuild:
    """Build one lab in memory; any problem is an AuthoringError naming file, cell and line."""
    assignment = load_assignment(lab, root=course)
    master_path = find_master(assignment.directory)
    if master_path is None:
        raise AuthoringError(f"{assignment.directory}: no master source (master.ipynb or master.py); "
                             "`grader new` scaffolds one")
    master = read_master(master_path)
    split = split_master(master)
    starter = _notebook(master, split.starter)
    _refuse_leaks(split, assignment.spec.starter)
    declared, located = read_patch_file(assignment.directory / PATCHES_FILE)
    _check_loses(declared, located, {check.id for check in assignment.rubric.checks})
    wrong_dir = course / "reference_solutions" / "known_wrong" / lab
    examples_dir = course / "examples" / lab
    files = {assignment.directory / assignment.spec.starter: starter,
             course / "reference_solutions" / f"{lab}.ipynb": _notebook(master, split.reference)}
    for name, variant in declared.known_wrong.items():
        cells = _patched(split.reference, variant.patches, located, ("known_wrong", name, "patches"))
        expect = {"expect": {"failing": variant.loses, "status": "graded"}}
        files[wrong_dir / f"{name}.ipynb"] = _notebook(master, cells, grader=expect)
    for name, example in declared.examples.items():
        cells = split.reference
        if example.from_ is not None:
            cells = _patched(cells, declared.known_wrong[example.from_].patches, located,
                             ("known_wrong", example.from_, "patches"))
        cells = _patched(cells, example.patches, located, ("examples", name, "patches"))
        files[examples_dir / f"{name}.ipynb"] = _notebook(master, cells)
    return LabBuild(lab, course, files, (wrong_dir, examples_dir))


def split_master(master: Master) -> Split:
    """The reference's and the starter's cells, cell by cell (docs/authoring.md has the rules)."""
    split = Split()
    previous: MasterCell | None = None
    for cell in master.cells:
        if PROMPT_TAG in cell.tags:
            if previous is None or SOLUTION_TAG not in previous.tags:
                raise AuthoringError(f"{cell.place.at()}: a cell tagged 'prompt' stands in for the cell tagged "
                                     "'solution' right before it, and there is none")
            split.starter[-1] = _cell(previous.id, cell, cell.source)
            split.prompts |= {line.strip() for line in cell.source.split("\n")}
        elif SOLUTION_TAG in cell.tags:
            _solution_cell(cell, split)
        elif cell.kind == "code":
            parts = split_code(cell.source, cell.place)
            split.reference.append(_cell(cell.id, cell, "\n".join(parts.reference)))
            split.starter.append(_cell(cell.id, cell, "\n".join(parts.student)))
            split.secrets += [Secret(cell.place, s.line, s.text) for s in parts.solution]
            split.prompts |= {line.strip() for line in parts.prompt}
        else:
            if cell.kind == "markdown":
                reject_markers(cell.source, cell.place)
            split.reference.append(_cell(cell.id, cell, cell.source))
            split.starter.append(_cell(cell.id, cell, cell.source))
        previous = cell
    return split


def _solution_cell(cell: MasterCell, split: Split) -> None:
    """A whole cell that is solution: nbgrader's stub in the starter, unless a prompt cell follows."""
    if cell.kind == "code" and split_code(cell.source, cell.place).solution:
        raise AuthoringError(f"{cell.place.at()}: a cell tagged 'solution' is solution as a whole; "
                             "remove its solution markers (or the tag)")
    if cell.kind == "markdown":
        reject_markers(cell.source, cell.place)
    split.reference.append(_cell(cell.id, cell, cell.source))
    split.starter.append(_cell(cell.id, cell, TEXT_STUB if cell.kind == "markdown" else "\n".join(CODE_STUB)))
    split.secrets += [Secret(cell.place, number, line)
                      for number, line in enumerate(cell.source.split("\n"), start=1)]


def _cell(cell_id: str, master_cell: MasterCell, source: str) -> Cell:
    tags = tuple(tag for tag in master_cell.tags if tag not in (SOLUTION_TAG, PROMPT_TAG))
    return Cell(cell_id, master_cell.kind, source, tags)


def _refuse_leaks(split: Split, starter_name: str) -> None:
    """The build's own grep: no solution line (but a trivially short one, or one the author also
    wrote in a prompt) may appear as a line of the starter."""
    shown: dict[str, tuple[str, int]] = {}
    for cell in split.starter:
        for number, line in enumerate(cell.source.split("\n"), start=1):
            shown.setdefault(line.strip(), (cell.id, number))
    for secret in split.secrets:
        text = secret.text.strip()
        if len(text) >= SHORTEST_SECRET and text in shown and text not in split.prompts:
            cell_id, number = shown[text]
            raise AuthoringError(f"{secret.place.at(secret.line)}: the starter would show this solution line "
                                 f"({text!r}) in its cell '{cell_id}', line {number} ({starter_name}); "
                                 "put every copy of it inside a solution region")


def _check_loses(declared: PatchFile, located: Located, checks: set[str]) -> None:
    for name, variant in declared.known_wrong.items():
        unknown = [check for check in variant.loses if check not in checks]
        if unknown:
            raise AuthoringError(f"{located.at(('known_wrong', name, 'loses'))}: known_wrong.{name}.loses: no rubric "
                                 f"check {', '.join(map(repr, unknown))}; the rubric's: {', '.join(sorted(checks))}")


def _patched(cells: list[Cell], patches: list[Patch], located: Located, where: tuple[str, ...]) -> list[Cell]:
    sources: dict[str, str | None] = {cell.id: cell.source for cell in cells}
    positions = {cell.id: number for number, cell in enumerate(cells, start=1)}
    patched = apply_patches(sources, patches, located, where, positions)
    return [Cell(cell.id, cell.kind, source, cell.tags) for cell in cells
            if (source := patched[cell.id]) is not None]


def _notebook(master: Master, cells: list[Cell], grader: dict[str, Any] | None = None) -> bytes:
    built = []
    for cell in cells:
        tags = {"tags": list(cell.tags)} if cell.tags else {}
        if cell.kind == "code":
            made = new_code_cell(cell.source, metadata=tags)
        elif cell.kind == "markdown":
            made = new_markdown_cell(cell.source, metadata=tags)
        else:
            made = new_raw_cell(cell.source, metadata=tags)
        made["id"] = cell.id
        built.append(made)
    metadata: dict[str, Any] = {"kernelspec": master.kernelspec, "language_info": {"name": master.language}}
    if grader is not None:
        metadata["grader"] = grader
    notebook = new_notebook(cells=built, metadata=metadata)
    nbformat.validate(notebook)
    text = nbformat.writes(notebook)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")
