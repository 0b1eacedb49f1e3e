"""%load_ext grader and %grader_check: which notebook file and assignment, the arguments, the
inline table, an import-light extension. Slow: the magic in a real IPython kernel (nbclient)
checking a toy notebook in a separate process."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import FIXTURE_COURSE, TOY_GOOD, make_notebook
from grader.jupyter import CheckProblem, MagicArguments, _resolve, default_assignment, notebook_path, result_html
from grader.results import CheckResult, CheckStatus, GradeResult, Status


@pytest.mark.parametrize(("line", "expected"), [
    ("", MagicArguments()),
    ("toy", MagicArguments(assignment="toy")),
    ("mine.ipynb", MagicArguments(notebook="mine.ipynb")),
    ("toy 'my lab.ipynb' --course /c --sandbox unisolated",
     MagicArguments("toy", "my lab.ipynb", ["--course", "/c", "--sandbox", "unisolated"])),
    ("--course /c", MagicArguments(options=["--course", "/c"])),
])
def test_arguments(line, expected):
    assert MagicArguments.parse(line) == expected


def test_too_many_words_are_named():
    with pytest.raises(CheckProblem, match="at most an assignment and a notebook"):
        MagicArguments.parse("toy mine.ipynb extra")


def test_the_notebook_is_the_one_the_front_end_named(tmp_path):
    lab, vscode = make_notebook(tmp_path / "lab.ipynb", []), make_notebook(tmp_path / "vs.ipynb", [])
    assert notebook_path({}, {"JPY_SESSION_NAME": str(lab)}) == lab
    assert notebook_path({"__session__": str(lab)}, {}) == lab
    assert notebook_path({"__vsc_ipynb_file__": str(vscode)}, {}) == vscode
    # a console's session name, a file that is gone: nothing to check, rather than a guess
    assert notebook_path({"__session__": "console-1"}, {"JPY_SESSION_NAME": str(tmp_path / "gone.ipynb")}) is None


def test_the_assignment_is_the_lab_folder_or_the_starters_stamp(tmp_path):
    bundle = tmp_path / "toy"
    bundle.mkdir()
    (bundle / "assignment.yaml").write_text("id: toy\n")
    assert default_assignment(make_notebook(bundle / "mine.ipynb", [])) == str(bundle)
    stamped = make_notebook(tmp_path / "stamped.ipynb", [], metadata={"grader": {"assignment": "mnist-mlp"}})
    assert default_assignment(stamped) == "mnist-mlp"
    assert default_assignment(make_notebook(tmp_path / "plain.ipynb", [])) is None
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert default_assignment(tmp_path / "broken.ipynb") is None


def test_what_is_missing_is_said(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(CheckProblem, match="name the file: %grader_check ASSIGNMENT path/to/notebook.ipynb"):
        _resolve(MagicArguments("toy"), {})
    with pytest.raises(CheckProblem, match="expected a saved notebook at nope.ipynb, found no such file"):
        _resolve(MagicArguments("toy", "nope.ipynb"), {})
    plain = make_notebook(tmp_path / "plain.ipynb", [])
    with pytest.raises(CheckProblem, match="names no assignment; name it: %grader_check ASSIGNMENT"):
        _resolve(MagicArguments(notebook=str(plain)), {})
    assert _resolve(MagicArguments("toy", str(plain)), {}) == (plain.resolve(), "toy")


def test_the_table_is_escaped_and_rounded_as_on_the_page(tmp_path):
    check = CheckResult(id="c", title="<b>square()</b>", kind="function", visibility="public", points=2 / 3,
                        max_points=1, status=CheckStatus.PARTIAL, message="expected 4 & found 2")
    result = GradeResult(submission_id="mine", assignment="toy", rubric_version=1, status=Status.GRADED,
                         score=2 / 3, max_score=1, pass_mark=0.5, checks=[check])
    page = result_html(result, notebook=tmp_path / "mine.ipynb", saved=0, feedback="grader-check/feedback.html")
    assert "&lt;b&gt;square()&lt;/b&gt;" in page and "expected 4 &amp; found 2" in page
    assert "0.67/1" in page and "<b>" not in page
    assert "Checked mine.ipynb as saved at" in page and "href='grader-check/feedback.html'" in page


def test_the_extension_is_import_light():
    """What %load_ext grader brings into the student's kernel: no framework, no check, no rubric."""
    code = ("import sys, grader; from IPython.testing.globalipapp import get_ipython; shell = get_ipython(); "
            "before = set(sys.modules); grader.load_ipython_extension(shell); "
            "assert 'grader_check' in shell.magics_manager.magics['line']; "
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('torch', 'tensorflow', "
            "'keras', 'numpy', 'yaml', 'pydantic', 'jinja2', 'nbformat') "
            "or m.startswith(('grader.checks', 'grader.spec', 'grader.course'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_grader_check_in_a_real_kernel(tmp_path):
    from nbclient import NotebookClient

    submission = make_notebook(tmp_path / "mine.ipynb", TOY_GOOD)
    # the Jupyter server sets JPY_SESSION_NAME when it starts a notebook's kernel; here the
    # notebook sets it itself, before the magic looks
    driver = new_notebook(cells=[
        new_code_cell(f"import os\nos.environ['JPY_SESSION_NAME'] = {str(submission)!r}"),
        new_code_cell("%load_ext grader"),
        new_code_cell(f"%grader_check toy --course {FIXTURE_COURSE}"),
        new_code_cell("import sys\nprint(sorted(m for m in sys.modules if m.startswith(('grader.checks', "
                      "'grader.spec', 'grader.course', 'grader.pipeline'))))"),
    ])
    NotebookClient(driver, kernel_name="python3", timeout=240, resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()
    shown = [output for output in driver.cells[2].outputs if output.output_type == "display_data"]
    assert len(shown) == 1, driver.cells[2].outputs  # the progress line was replaced by the result
    data = shown[0]["data"]
    assert "9/11 · graded, passed" in data["text/html"] and "Square() squares".lower() in data["text/html"].lower()
    assert "Checked mine.ipynb as saved at" in data["text/plain"] and "9/11" in data["text/plain"]
    grade = json.loads((tmp_path / "grader-check" / "grade.json").read_text())
    assert grade["score"] == 9 and {c["visibility"] for c in grade["checks"]} == {"public"}
    assert nbformat.read(str(submission), as_version=4).cells[1].outputs == []  # the file was only read
    assert driver.cells[3].outputs[0]["text"].strip() == "[]"  # the kernel never imported a check or a spec
