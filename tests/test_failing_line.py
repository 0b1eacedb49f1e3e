"""The failing line (issue 19): which lines of the student's cells a traceback went through, the
excerpt quoted from the notebook beside a failed cell, the cell named as Jupyter shows it, one
"not run because ..." story for checks that could not look, and the exit codes of a mistyped path
and of another lab's starter.

Fast: tracebacks captured from a real kernel (tests/fixtures/tracebacks/ipython9.json: IPython
9, ipykernel 7, through nbclient) parsed; excerpts, labels, scoring and the page built from typed
records. Slow: one real grading of a notebook whose cell calls a function that raises in another
cell, its grade.json, terminal table and page, and the page's block in Chromium in both languages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import click
import nbformat
import numpy as np
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import FIXTURE_COURSE, REPO, TOY_GOOD
from grader.checks.base import HostData
from grader.cli import main
from grader.contract import CellLine, CellRecord, CellStatus
from grader.failing_line import excerpts
from grader.harness.frames import cell_frames, student_lines
from grader.observations import Observations
from grader.report.feedback import render_feedback
from grader.report.terminal import checks_table
from grader.scoring import score
from grader.student_notebook import StudentNotebook

CAPTURED = json.loads((Path(__file__).parent / "fixtures" / "tracebacks" / "ipython9.json").read_text())["cells"]


def captured(ename: str) -> dict:
    return next(cell for cell in CAPTURED if cell["ename"] == ename)


# -- the traceback's frames, as a real kernel writes them ------------------------------------------

@pytest.mark.parametrize(("ename", "frames"), [
    ("TypeError", [(3, 3), (2, 4)]),             # a call in cell In[3] into a function of cell In[2]
    ("ValueError", [(4, 7), (4, 5), (4, 2)]),    # nested functions of one cell
    ("SyntaxError", [(5, 2)]),
    ("ModuleNotFoundError", [(6, 1)]),
    ("NameError", [(7, 1)]),
    ("JSONDecodeError", [(8, 6), (8, 4)]),       # then library frames (json/decoder.py): not the student's
    ("KeyboardInterrupt", [(9, 2)]),             # where an interrupted cell was
])
def test_frames_of_real_tracebacks(ename, frames):
    assert cell_frames(captured(ename)["traceback"]) == frames


def test_frames_in_injected_cells_are_left_out():
    """Counts the harness did not give a student cell (the preamble, injected parameters) drop out."""
    lines = student_lines(captured("TypeError")["traceback"], {3: 5})
    assert lines == [CellLine(cell=5, line=3)]
    assert cell_frames("Traceback (most recent call last):\n  File \"x.py\", line 3\nValueError: no") == []


# -- excerpts quoted from the student's notebook ---------------------------------------------------

def notebook_of(sources: list, counts: list | None = None) -> StudentNotebook:
    cells = [new_markdown_cell(source[1]) if isinstance(source, tuple) else new_code_cell(source) for source in sources]
    for cell, count in zip(cells, counts or [], strict=False):
        if cell.cell_type == "code":
            cell.execution_count = count
    return StudentNotebook.of(new_notebook(cells=cells))


CONV = captured("TypeError")
DEFINES = next(cell["source"] for cell in CAPTURED if cell["execution_count"] == 2)
SOURCES = [("md", "# Convolution"), "import numpy as np\nx = 1", DEFINES, ("md", "Now use it"), CONV["source"]]


def test_a_call_into_another_cell_quotes_both_lines():
    notebook = notebook_of(SOURCES, [None, 1, 5, None, 6])
    record = CellRecord(index=4, status=CellStatus.ERROR, error_lines=[CellLine(cell=4, line=3), CellLine(cell=2, line=4)])
    called, raised = excerpts(record, notebook)
    assert (called.role, called.line, called.place.number) == ("called", 3, 5)
    assert [(line.number, line.marked) for line in called.lines] == [(1, False), (2, False), (3, True), (4, False)]
    assert next(line.text for line in called.lines if line.marked) == "out = conv2d(img, k)"
    assert (raised.role, raised.line, raised.place.number) == ("raised", 4, 3)
    assert next(line.text for line in raised.lines if line.marked) == "    result = np.zeros(out_h, out_w)"
    assert [line.number for line in raised.lines] == [2, 3, 4, 5]
    assert raised.place.label().render() == "cell [5] (code cell 2 of 3)"
    assert called.place.label().render() == "cell [6] (code cell 3 of 3)"


def test_one_line_labels_and_fallbacks():
    notebook = notebook_of(["x = 1", "\n\ny = undefined_name + 1\nz = 2\n"])  # never run before saving: no count
    raised = CellRecord(index=1, status=CellStatus.ERROR, error_lines=[CellLine(cell=1, line=3)])
    [only] = excerpts(raised, notebook)
    assert (only.role, only.line, only.place.label().render()) == ("raised", 3, "code cell 2 of 2")
    stopped = CellRecord(index=1, status=CellStatus.TIMEOUT, error_lines=[CellLine(cell=1, line=3)])
    assert excerpts(stopped, notebook)[0].role == "stopped"
    # no line recorded (the kernel died), or a line the source does not have: how the cell begins
    for record in (CellRecord(index=1, status=CellStatus.ERROR),
                   CellRecord(index=1, status=CellStatus.ERROR, error_lines=[CellLine(cell=1, line=40)])):
        [start] = excerpts(record, notebook)
        assert start.role == "start" and [line.number for line in start.lines] == [3, 4]
    assert excerpts(raised, None) == []


# -- scoring, the page and the terminal, from typed records -----------------------------------------

def observations(status: str, cells: list[dict], reason: str | None = None, probes: dict | None = None) -> Observations:
    return Observations.model_validate({"schema": 1, "status": status, "reason": reason,
                                        "execution": {"cells": cells}, "probes": probes or {}})


def test_page_and_terminal_show_the_failing_line(toy):
    notebook = notebook_of(SOURCES, [None, 1, 5, None, 6])
    seen = observations("completed", [
        {"index": 1, "status": "ok"}, {"index": 2, "status": "ok", "defines": ["conv2d"]},
        {"index": 4, "status": "error", "source_head": CONV["source"],
         "error": {"ename": "TypeError", "evalue": "Cannot interpret '4' as a data type"},
         "error_lines": [{"cell": 4, "line": 3}, {"cell": 2, "line": 4}]}])
    result = score(submission_id="s", assignment=toy.spec, rubric=toy.rubric, checks=toy.rubric.checks,
                   params=toy.params, observations=seen, notebook=notebook)
    [cell] = result.cells
    assert cell["place"] == {"number": 5, "execution_count": 6, "code_cell": 3, "code_cells": 3}
    assert [excerpt["role"] for excerpt in cell["excerpts"]] == ["called", "raised"]
    page = render_feedback(result, toy.spec, student_view=False)
    assert "Cell [6] (code cell 3 of 3)</strong> — raised an error" in page
    assert "Line 3 called the code that failed:" in page
    assert "Where the error was raised: Cell [5] (code cell 2 of 3), line 4" in page
    assert '<span class="line marked">   4 →     result = np.zeros(out_h, out_w)</span>' in page
    assert "TypeError: Cannot interpret &#39;4&#39; as a data type" in page
    russian = render_feedback(result, toy.spec, student_view=False, lang="ru")
    assert "Ячейка [6] (ячейка с кодом 3 из 3)</strong> — ошибка при выполнении" in russian
    assert "Где возникла ошибка: Ячейка [5] (ячейка с кодом 2 из 3), строка 4" in russian
    table = click.unstyle(checks_table(result, width=80))
    assert "  cell [6] (code cell 3 of 3): raised an error" in table
    assert "       3 > out = conv2d(img, k)" in table
    assert "    raised in cell [5] (code cell 2 of 3), line 4:" in table
    assert all(len(line) <= 80 for line in table.splitlines())


def test_checks_on_code_that_never_ran_say_why_not_the_rubrics_wrong_answer_text(toy):
    """A timeout: the banner and the checks tell one story from the same record, and the hidden
    check's messages.fail ("does not generalise") is not used for an answer nobody looked at."""
    limit = "the cell used the notebook's total budget of 8 CPU seconds (8 s on 1 core) and was interrupted"
    notebook = notebook_of([TOY_GOOD[0][0], TOY_GOOD[1], TOY_GOOD[2], TOY_GOOD[3], TOY_GOOD[4]], [1, 2, 3, 4, 5])
    seen = observations("timeout", [
        {"index": 0, "status": "ok"}, {"index": 1, "status": "ok", "defines": ["square"]},
        {"index": 2, "status": "timeout", "error": {"ename": "Timeout", "evalue": limit}, "defines": ["table"]},
        {"index": 3, "status": "not_run", "defines": ["predict"]}, {"index": 4, "status": "not_run"}],
        reason="the notebook used its total budget of 8 s of computing")
    result = score(submission_id="s", assignment=toy.spec, rubric=toy.rubric, checks=toy.rubric.checks,
                   params=toy.params, observations=seen, notebook=notebook)
    by_id = {check.id: check for check in result.checks}
    stopped = f"cell [3] (code cell 3 of 5) timed out: {limit}"
    assert by_id["runs"].message == stopped
    assert by_id["hidden-accuracy"].message == f"not run because {stopped}"
    assert "generalise" not in json.dumps(result.to_dict())
    assert by_id["table"].message == f"not run because {stopped}"


def test_a_missing_name_whose_cell_did_not_run_leads_with_not_run(toy):
    notebook = notebook_of(["SCALE = 1", TOY_GOOD[3]], [1, 2])
    seen = observations("completed", [
        {"index": 0, "status": "ok"},
        {"index": 1, "status": "error", "defines": ["predict", "accuracy"],
         "error": {"ename": "FileNotFoundError", "evalue": "data/blobs2d.npz"}}],
        probes={f"{check.id}#0": {"ok": False, "error": "NameError: name 'predict' is not defined"}
                for check in toy.rubric.checks})
    labels = {split: np.zeros(200, dtype=int) for split in ("public", "hidden")}
    result = score(submission_id="s", assignment=toy.spec, rubric=toy.rubric, checks=toy.rubric.checks,
                   params=toy.params, observations=seen, notebook=notebook, host=HostData(labels=labels))
    hidden = next(check for check in result.checks if check.id == "hidden-accuracy")
    assert hidden.message == ("not run because cell [2] (code cell 2 of 2) stopped with FileNotFoundError: "
                              "data/blobs2d.npz")


# -- exit codes (docs/exit-codes.md) ---------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "grade"])
def test_a_mistyped_path_is_a_usage_error_that_writes_nothing(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, [command, "--course", str(FIXTURE_COURSE), "toy", "no-such-notebook.ipynb"])
    assert done.exit_code == 2, done.output
    assert done.output.count("no-such-notebook.ipynb") == 1 and "does not exist" in done.output
    assert list(tmp_path.iterdir()) == []


def test_another_labs_starter_is_ungradable_and_named(tmp_path, monkeypatch):
    """The course's nn-basics starter (not stamped: taken from the repository) self-checked as
    mnist-mlp: exit 3 before any sandbox starts, naming the lab it belongs to."""
    monkeypatch.chdir(tmp_path)
    starter = REPO / "assignments" / "nn-basics" / "starter.ipynb"
    done = CliRunner().invoke(main, ["check", "--course", str(REPO), "--sandbox", "local", "mnist-mlp", str(starter)])
    assert done.exit_code == 3, done.output
    assert "made from the starter of 'nn-basics'" in done.output and "not 'mnist-mlp'" in done.output
    grade = json.loads((tmp_path / "grader-check" / "grade.json").read_text())
    assert grade["status"] == "ungradable" and "sandbox" not in grade["timings"]


# -- one real grading --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(toy, local_sandbox, tmp_path_factory):
    """A toy submission whose cell [7] calls conv2d, defined in cell [3], which raises; the saved
    execution counts are the student's own (they ran some cells twice)."""
    from grader.pipeline import GradingOptions, grade_notebook

    folder = tmp_path_factory.mktemp("failing-line")
    cells = [new_code_cell(TOY_GOOD[0][0], metadata={"tags": ["parameters"]}), new_code_cell(TOY_GOOD[1]),
             new_code_cell(DEFINES), new_markdown_cell("## Use it"), new_code_cell(CONV["source"]),
             *[new_code_cell(source) for source in TOY_GOOD[2:]]]
    for cell, count in zip(cells, [1, 2, 3, None, 7, 8, 9, 10], strict=True):
        if count is not None:
            cell.execution_count = count
    path = folder / "student.ipynb"
    nbformat.write(new_notebook(cells=cells), str(path))
    result = grade_notebook(toy, path, GradingOptions(sandbox=local_sandbox, out_dir=folder / "out"))
    return result, folder / "out"


@pytest.mark.slow  # a real kernel
def test_a_real_grading_records_and_shows_the_failing_lines(graded, toy):
    result, out = graded
    assert result.status.value == "graded"
    [cell] = json.loads((out / "grade.json").read_text())["cells"]
    assert cell["place"] == {"number": 5, "execution_count": 7, "code_cell": 4, "code_cells": 7}
    called, raised = cell["excerpts"]
    assert (called["role"], called["line"], raised["role"], raised["line"]) == ("called", 3, "raised", 4)
    assert raised["place"]["number"] == 3
    assert cell["error"]["ename"] == "TypeError"
    table = checks_table(result, width=80)
    assert "cell [7] (code cell 4 of 7): raised an error" in table
    assert "raised in cell [3] (code cell 3 of 7), line 4:" in table
    assert "Cell [7] (code cell 4 of 7)" in (out / "feedback.html").read_text()


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed (CI installs it)")
@pytest.mark.parametrize(("lang", "heading"), [("en", "Where the error was raised: Cell [3] (code cell 3 of 7), line 4"),
                                               ("ru", "Где возникла ошибка: Ячейка [3] (ячейка с кодом 3 из 7), строка 4")])
def test_the_failing_line_block_in_chromium(graded, toy, tmp_path, lang, heading):
    result, _ = graded
    page = tmp_path / "feedback.html"
    page.write_text(render_feedback(result, toy.spec, student_view=True, lang=lang), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    block = dom[dom.index('id="cell-5"'):]
    block = block[:block.index("</div>\n</div>") if "</div>\n</div>" in block else len(block)]
    assert heading in block
    assert '<span class="line marked">   3 → out = conv2d(img, k)</span>' in block
    assert '<span class="line marked">   4 →     result = np.zeros(out_h, out_w)</span>' in block
    assert "TypeError: Cannot interpret" in block
