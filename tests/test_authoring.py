"""Authoring: master sources with solution markers, known-wrong patches, `grader build [--check]`,
`grader new`, and a release that never ships the master. Fast tests build in memory or in a tmp
course; the slow one follows docs/authoring.md's tutorial command by command."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell

from grader.authoring.build import build_lab
from grader.authoring.errors import AuthoringError, CellPlace
from grader.authoring.markers import split_code
from grader.authoring.scaffold import scaffold
from grader.cli import main

REPO = Path(__file__).resolve().parents[1]
PLACE = CellPlace(Path("master.ipynb"), "cell", 3)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def split(source: str) -> tuple[str, str]:
    parts = split_code(source, PLACE)
    return "\n".join(parts.student), "\n".join(parts.reference)


# --- markers -------------------------------------------------------------------------------------

def test_a_solution_region_becomes_nbgraders_stub_indented_as_its_begin_line():
    student, reference = split("def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\nf(1)")
    assert student == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nf(1)"
    assert reference == "def f(x):\n    return x + 1\n\nf(1)"


def test_a_prompt_right_after_a_region_takes_its_place_and_is_a_string_while_the_master_runs():
    source = ('def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n'
              '    """ # BEGIN PROMPT\n    return 0  # TODO\n    """ # END PROMPT')
    compile(source, "master", "exec")
    student, reference = split(source)
    assert student == "def f(x):\n    return 0  # TODO"
    assert reference == "def f(x):\n    return x + 1"


def test_otter_markers_no_prompt_and_one_line_solutions():
    student, reference = split("# BEGIN SOLUTION NO PROMPT\nsecret = 1\n# END SOLUTION\n"
                               "rate = 0.5  # SOLUTION\n    model.fit(x)  # SOLUTION\nshown = 2 # SOLUTION NO PROMPT")
    assert student == "rate = ...\n    ..."
    assert reference == "secret = 1\nrate = 0.5\n    model.fit(x)\nshown = 2"


@pytest.mark.parametrize(("source", "line", "says"), [
    ("### BEGIN SOLUTION\nx = 1", 1, "BEGIN SOLUTION is never closed"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION", 2, "inside the solution region opened on line 1"),
    ("x = 1\n### END SOLUTION", 2, "END SOLUTION without a BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\n''' # BEGIN PROMPT\n'''# END PROMPT\n### END SOLUTION", 2, "BEGIN PROMPT inside the solution"),
    ('""" # BEGIN PROMPT\nx = 1', 1, "BEGIN PROMPT is never closed"),
])
def test_a_misplaced_marker_names_file_cell_and_line(source, line, says):
    with pytest.raises(AuthoringError) as caught:
        split_code(source, PLACE)
    assert f"master.ipynb: cell 'cell' (#3), line {line}:" in str(caught.value)
    assert says in str(caught.value)


# --- a lab in a tmp course -----------------------------------------------------------------------

@pytest.fixture
def course(tmp_path) -> Path:
    """A course with one scaffolded numpy lab, `demo`, built."""
    scaffold(tmp_path, "demo", "numpy")
    assert run("build", "demo", "--course", str(tmp_path))[0] == 0
    return tmp_path


def master_path(course: Path) -> Path:
    return course / "assignments" / "demo" / "master.ipynb"


def edit_master(course: Path, cell_id: str, source: str | None = None, *, tags: list[str] | None = None,
                add: list | None = None) -> None:
    notebook = nbformat.read(master_path(course), as_version=4)
    cell = next(c for c in notebook.cells if c.id == cell_id)
    if source is not None:
        cell.source = source
    if tags is not None:
        cell.metadata["tags"] = tags
    notebook.cells += add or []
    nbformat.write(notebook, master_path(course))


def built_files(course: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(course.rglob("*.ipynb")) if p.name != "master.ipynb"}


def test_build_writes_starter_reference_and_known_wrong_with_its_expectation(course):
    starter = nbformat.read(course / "assignments" / "demo" / "starter.ipynb", as_version=4)
    reference = nbformat.read(course / "reference_solutions" / "demo.ipynb", as_version=4)
    wrong = nbformat.read(course / "reference_solutions" / "known_wrong" / "demo" / "relu_absolute.ipynb", as_version=4)
    relu = {nb: next(c.source for c in notebook.cells if c.id == "relu")
            for nb, notebook in (("starter", starter), ("reference", reference), ("wrong", wrong))}
    assert "raise NotImplementedError()" in relu["starter"] and "np.maximum" not in relu["starter"]
    assert "np.maximum" in relu["reference"] and "BEGIN SOLUTION" not in relu["reference"]
    assert "np.abs" in relu["wrong"]
    assert wrong.metadata.grader == {"expect": {"failing": ["relu", "relu-hidden"], "status": "graded"}}
    assert [c.id for c in starter.cells] == [c.id for c in reference.cells]
    assert next(c for c in starter.cells if c.id == "parameters").metadata == {"tags": ["parameters"]}


def test_a_rebuild_is_byte_identical_and_check_passes(course):
    before = built_files(course)
    assert run("build", "demo", "--course", str(course)) == (0, "demo: 3 notebook(s), 0 rewritten\n")
    assert built_files(course) == before
    assert run("build", "--all", "--check", "--course", str(course))[0] == 0


def test_check_lists_a_changed_a_missing_and_a_stale_file_and_build_repairs_them(course):
    starter = course / "assignments" / "demo" / "starter.ipynb"
    starter.write_text(starter.read_text().replace("YOUR CODE HERE", "my own edit"))
    (course / "reference_solutions" / "demo.ipynb").unlink()
    stale = course / "reference_solutions" / "known_wrong" / "demo" / "gone.ipynb"
    shutil.copyfile(starter, stale)
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    status, output = run("build", "demo", "--check", "--course", str(course))
    assert status == 1
    assert "differs  assignments/demo/starter.ipynb" in output
    assert "missing  reference_solutions/demo.ipynb" in output
    assert "stale    reference_solutions/known_wrong/demo/gone.ipynb" in output
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before, "--check wrote something"
    assert run("build", "demo", "--course", str(course))[0] == 0
    assert not stale.exists()
    assert run("build", "demo", "--check", "--course", str(course))[0] == 0


def test_a_solution_line_left_in_shared_text_fails_the_build_and_writes_nothing(course):
    edit_master(course, "imports", "import numpy as np\n\n\ndef relu_hint(x):\n"
                                   "    return np.maximum(np.asarray(x, dtype=float), 0.0)")
    before = built_files(course)
    status, output = run("build", "demo", "--course", str(course))
    assert status == 2
    assert "master.ipynb: cell 'relu' (#5), line 4: the starter would show this solution line" in output
    assert "in its cell 'imports', line 5" in output
    assert built_files(course) == before


def test_a_marker_in_a_markdown_cell_is_refused_with_its_cell_and_line(course):
    edit_master(course, "relu-md", "## 1. ReLU\n\n### BEGIN SOLUTION\nmax(x, 0)\n### END SOLUTION")
    status, output = run("build", "demo", "--course", str(course))
    assert status == 2
    assert "master.ipynb: cell 'relu-md' (#4), line 3: a solution marker in a markdown cell" in output


def test_a_markdown_solution_cell_is_replaced_by_the_prompt_cell_after_it_under_its_own_id(course):
    edit_master(course, "intro", tags=["solution"],
                add=[new_markdown_cell("Answer here", metadata={"tags": ["prompt"]}, id="intro-prompt")])
    notebook = nbformat.read(master_path(course), as_version=4)
    notebook.cells.insert(1, notebook.cells.pop())  # the prompt right after the solution cell
    nbformat.write(notebook, master_path(course))
    assert run("build", "demo", "--course", str(course))[0] == 0
    starter = nbformat.read(course / "assignments" / "demo" / "starter.ipynb", as_version=4)
    reference = nbformat.read(course / "reference_solutions" / "demo.ipynb", as_version=4)
    assert (starter.cells[0].id, starter.cells[0].source, starter.cells[0].metadata) == ("intro", "Answer here", {})
    assert reference.cells[0].id == "intro" and reference.cells[0].source.startswith("# demo")
    assert "intro-prompt" not in [c.id for c in reference.cells + starter.cells]


def test_a_prompt_cell_without_a_solution_cell_before_it_is_an_error(course):
    edit_master(course, "relu-md", tags=["prompt"])
    status, output = run("build", "demo", "--course", str(course))
    assert status == 2 and "cell 'relu-md' (#4): a cell tagged 'prompt' stands in for" in output


def write_patches(course: Path, patches: list[dict], loses: tuple[str, ...] = ("relu",)) -> None:
    (course / "assignments" / "demo" / "known_wrong.yaml").write_text(yaml.safe_dump(
        {"known_wrong": {"broken": {"why": "a test", "loses": list(loses), "patches": patches}}}, sort_keys=False))


@pytest.mark.parametrize(("patch", "says"), [
    ({"cell": "relu", "replace": "np.minimum", "with": "x"}, "the anchor 'np.minimum' is not in cell 'relu' (#5)"),
    ({"cell": "relu", "replace": "relu(", "with": "x"}, "the anchor 'relu(' occurs 2 times in cell 'relu' (#5)"),
    ({"cell": "nope", "drop": True}, "no cell 'nope' in the master"),
    ({"cell": "relu", "replace": "x"}, "a patch either replaces (replace: and with:) or drops the cell"),
])
def test_a_bad_patch_names_the_yaml_line_and_cell_and_nothing_is_written(course, patch, says):
    write_patches(course, [{"cell": "imports", "drop": True}, patch])
    before = built_files(course)
    status, output = run("build", "demo", "--course", str(course))
    assert status == 2, output
    assert "known_wrong.yaml:" in output and says in output
    assert built_files(course) == before


def test_an_unknown_check_under_loses_is_an_error(course):
    write_patches(course, [{"cell": "imports", "drop": True}], loses=("relu", "typo"))
    status, output = run("build", "demo", "--course", str(course))
    assert status == 2 and "known_wrong.broken.loses: no rubric check 'typo'" in output


def test_examples_reuse_a_variants_patches_and_add_their_own(course):
    path = course / "assignments" / "demo" / "known_wrong.yaml"
    declared = yaml.safe_load(path.read_text())
    declared["examples"] = {"good": {}, "wrong_twice": {"from": "relu_absolute", "patches": [
        {"cell": "relu", "replace": "print(relu(", "with": "print('relu', relu("}]}}
    path.write_text(yaml.safe_dump(declared))
    assert run("build", "demo", "--course", str(course))[0] == 0
    good = nbformat.read(course / "examples" / "demo" / "good.ipynb", as_version=4)
    assert good.cells == nbformat.read(course / "reference_solutions" / "demo.ipynb", as_version=4).cells
    twice = next(c.source for c in nbformat.read(course / "examples" / "demo" / "wrong_twice.ipynb", as_version=4).cells
                 if c.id == "relu")
    assert "np.abs" in twice and "print('relu', relu(" in twice


def test_the_jupytext_twin_builds_the_same_bytes(course):
    import jupytext

    before = built_files(course)
    notebook = nbformat.read(master_path(course), as_version=4)
    for cell in notebook.cells:
        cell.metadata["id"] = cell.id
    (course / "assignments" / "demo" / "master.py").write_text(jupytext.writes(notebook, fmt="py:percent"))
    assert "BEGIN SOLUTION" in (course / "assignments" / "demo" / "master.py").read_text()
    status, output = run("build", "demo", "--course", str(course))
    assert status == 2 and "both master.ipynb and master.py" in output
    master_path(course).unlink()
    assert run("build", "demo", "--check", "--course", str(course))[0] == 0
    assert built_files(course) == before


def test_release_never_ships_the_master_or_its_patches(course, tmp_path):
    status, output = run("release", "demo", "--course", str(course), "--out", str(tmp_path / "out"))
    assert status == 0, output
    shipped = {p.name for p in (tmp_path / "out" / "demo").rglob("*")}
    assert "starter.ipynb" in shipped
    assert not shipped & {"master.ipynb", "master.py", "known_wrong.yaml"}
    starter = (tmp_path / "out" / "demo" / "starter.ipynb").read_text()
    assert "np.maximum" not in starter and "relu_absolute" not in starter


def test_new_refuses_an_existing_lab_and_a_bad_id(course):
    status, output = run("new", "demo", "--framework", "numpy", "--course", str(course))
    assert status == 2 and "already exists" in output
    status, output = run("new", "Bad Id", "--framework", "numpy", "--course", str(course))
    assert status == 2 and "lab id 'Bad Id'" in output


@pytest.mark.parametrize("framework", ["numpy", "pytorch", "keras", "tensorflow", "any"])
def test_every_framework_scaffold_builds(tmp_path, framework):
    scaffold(tmp_path, "lab", framework)
    built = build_lab(tmp_path, "lab")
    assert len(built.files) == 3
    master = nbformat.read(tmp_path / "assignments" / "lab" / "master.ipynb", as_version=4)
    compile("\n".join(c.source for c in master.cells if c.cell_type == "code"), "master", "exec")


def test_the_bundled_labs_all_have_a_master_that_builds_what_is_committed():
    status, output = run("build", "--all", "--check", "--course", str(REPO))
    assert status == 0, output
    assert "13 lab(s) up to date" in output


# --- the tutorial, command by command (docs/authoring.md) ----------------------------------------

def tutorial_blocks(section: str) -> dict[str, list[str]]:
    """The fenced code blocks of a section of docs/authoring.md, by language, in order."""
    text = (REPO / "docs" / "authoring.md").read_text().split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks: dict[str, list[str]] = {}
    for language, code in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S):
        blocks.setdefault(language, []).append(code)
    return blocks


def add_own_dataset(course: Path) -> None:
    """'Your own dataset', a to d, with the section's own code: the files, the declaration, the
    master's cells and the rubric's metric check on the hidden split."""
    blocks = tutorial_blocks("Your own dataset")
    script, cell = blocks["python"]
    declaration, check = blocks["yaml"]
    exec(compile(script.replace('Path("my-course', f'Path("{course}'), "tutorial", "exec"), {})
    spec = course / "assignments" / "demo" / "assignment.yaml"
    spec.write_text(spec.read_text() + declaration)
    rubric = course / "rubrics" / "demo.yaml"
    rubric.write_text(rubric.read_text() + check)
    edit_master(course, "intro", add=[
        new_markdown_cell("## 2. Points\n\n`predict(x)`: the class (0 or 1) of each row of `x`.", id="points-md"),
        new_code_cell(cell.strip(), id="points")])


@pytest.mark.slow
def test_the_tutorial_from_grader_new_to_validate_and_release(tmp_path):
    course = tmp_path / "my-course"
    assert run("new", "demo", "--framework", "numpy", "--course", str(course))[0] == 0
    add_own_dataset(course)
    assert run("build", "demo", "--course", str(course))[0] == 0
    status, output = run("validate", "demo", "--course", str(course))
    assert status == 0, output
    assert "✓ reference: full marks (6/6)" in output and "✓ relu_absolute.ipynb: loses relu, relu-hidden" in output
    status, output = run("release", "demo", "--course", str(course), "--out", str(tmp_path / "release"))
    assert status == 0, output
    bundle = tmp_path / "release" / "demo"
    assert json.loads((bundle / "starter.ipynb").read_text())["metadata"]["grader"]["assignment"] == "demo"
    assert not (bundle / "master.ipynb").exists()
    shipped = {path.relative_to(bundle).as_posix() for path in bundle.rglob("*") if path.is_file()}
    assert "data/points/train.csv" in shipped and not any("points.csv" in name for name in shipped)
    assert "hidden" not in (bundle / "assignment.yaml").read_text()
