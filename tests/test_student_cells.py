"""Notebooks as students write them (issue 17): blank cells, coloured tracebacks, exceptions that
paste the probe input into their message, and parameters set without a `parameters` cell.

The pure parts (text cleaning, where parameters go, scoring of what came back) are fast; one
real grading through the local sandbox checks them end to end.
"""

from __future__ import annotations

import re

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import import_keras
from grader.harness.notebook import has_code, inject, parameter_positions, parameter_probe_id
from grader.observations import Observations
from grader.results import CheckStatus, Status
from grader.scoring import score
from grader.text import elide_numbers, exception_text, one_line, readable, strip_ansi

# What a real dump looks like: torch prints up to 1000 elements in full.
TENSOR = "tensor([[" + ", ".join(f"{i / 997:.4f}" for i in range(784)) + "]])"
LONG_NUMBER_LIST = re.compile(r"(?:[-+]?\d+\.?\d*(?:e[-+]?\d+)?[,\s\[\]]+){17,}")


def no_dump(text: str) -> bool:
    return not LONG_NUMBER_LIST.search(text) and "\x1b" not in text


# --- text -------------------------------------------------------------------------------------

def test_escape_codes_are_stripped():
    coloured = "\x1b[0;31mValueError\x1b[0m: \x1b[1mboom\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07"
    assert strip_ansi(coloured) == "ValueError: boom link"


def test_a_pasted_tensor_becomes_its_count_and_short_lists_stay():
    assert elide_numbers(f"bad input {TENSOR}!") == "bad input tensor([[…784 numbers…]])!"
    keep = "expected widths [64, 32, 16], labels [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], shape (1, 784), torch 2.5.1"
    assert elide_numbers(keep) == keep


def test_exception_text_keeps_the_end_that_explains_after_a_dump():
    # Keras 3's message for a wrong input shape: bold escape codes, the input in full, then the point
    exc = ValueError("Exception encountered when calling Sequential.call().\n\n\x1b[1mInvalid input shape for "
                     f"input {TENSOR}. Expected shape (None, 28, 28), but input has incompatible shape (1, 784)"
                     "\x1b[0m\n\nArguments received by Sequential.call():\n  • inputs=tf.Tensor(shape=(1, 784))")
    text = exception_text(exc, 500)
    assert text.startswith("ValueError: Exception encountered when calling Sequential.call(). Invalid input shape")
    assert "…784 numbers…" in text and "but input has incompatible shape (1, 784)" in text
    assert no_dump(text) and "\n" not in text and len(text) <= 500

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    assert exception_text(Unprintable()) == "Unprintable"
    assert exception_text(KeyError()) == "KeyError"
    assert len(one_line("x" * 10_000, 300)) == 300 and readable("a\n\nb") == "a\n\nb"


def test_a_cell_error_is_elided_before_the_harness_cuts_it():
    from grader.harness.execute import _error_detail

    dump = str(list(range(3000)))  # 16,890 characters: far past the 2,000 kept of an error's value
    error = _error_detail({"ename": "ValueError", "evalue": f"bad {dump} end", "traceback": [f"\x1b[31mboom\x1b[0m {dump}"]})
    assert error == {"ename": "ValueError", "evalue": "bad […3000 numbers…] end", "traceback": "boom […3000 numbers…]"}


# --- blank cells ------------------------------------------------------------------------------

@pytest.mark.parametrize("source, code", [
    ("", False), ("   \n\t\n", False), ("# just a note\n   # another", False),
    ("x = 1  # set x", True), ("%matplotlib inline", True), ("'''a docstring'''", True),
])
def test_a_cell_has_code_unless_blank_or_only_comments(source, code):
    assert has_code(source) is code


# --- where parameters go ----------------------------------------------------------------------

def cells_of(*sources, tagged: int | None = None):
    cells = []
    for i, source in enumerate(sources):
        cell = new_markdown_cell(source[3:]) if source.startswith("md:") else new_code_cell(source)
        if i == tagged:
            cell.metadata["tags"] = ["parameters"]
        cells.append(cell)
    return cells


def test_a_parameters_cell_takes_them_all_papermill_style():
    cells = cells_of("import numpy as np", "EPOCHS = 30\nLR = 0.1", "EPOCHS = 40", tagged=1)
    assert parameter_positions(cells, ["EPOCHS", "LR"]) == {2: ["EPOCHS", "LR"]}
    assert parameter_positions(cells, []) == {}


def test_without_one_each_goes_after_every_cell_that_assigns_it_at_top_level():
    cells = cells_of(
        "import numpy as np",                                   # 0
        "!pip install tqdm\n%matplotlib inline\nEPOCHS = 30",   # 1: shell and magic lines, then an assignment
        "md:EPOCHS = 99 in markdown",                           # 2
        "def train():\n    EPOCHS = 5\n    for LR in (1, 2): pass",  # 3: a local, a loop variable
        "for BATCH in (8, 16):\n    pass",                      # 4: a loop at top level is not an assignment
        "EPOCHS += 10\nLR: float = 0.01",                       # 5
        "def broken(:\n    EPOCHS = 7",                         # 6: does not parse
        "(EPOCHS, HIDDEN) = 3, [64]",                           # 7
    )
    assert parameter_positions(cells, ["EPOCHS", "LR", "BATCH"]) == {2: ["EPOCHS"], 6: ["EPOCHS", "LR"],
                                                                     8: ["EPOCHS"], 0: ["BATCH"]}


def test_inject_puts_the_preamble_first_and_keeps_the_students_cell_numbers():
    notebook = new_notebook(cells=cells_of("EPOCHS = 30", "print(EPOCHS)"))
    injected = inject(notebook, preamble="# setup", parameters={"EPOCHS": 2, "BATCH": 8})
    assert [c.source for c in injected.cells] == [
        "# setup", "# Parameters injected by the grader\nBATCH = 8", "EPOCHS = 30",
        "# Parameters injected by the grader\nEPOCHS = 2", "print(EPOCHS)"]
    assert [c.metadata.get("grader_source_index") for c in injected.cells] == [None, None, 0, None, 1]
    assert notebook.cells[0].source == "EPOCHS = 30" and len(notebook.cells) == 2  # the original is untouched


# --- what scoring makes of it (pure) ----------------------------------------------------------

def toy_observations(cells, probes=None):
    return Observations.model_validate({"schema": 1, "status": "completed", "execution": {"cells": cells},
                                        "probes": probes or {}, "environment": {}})


def toy_grade(toy, observations):
    return score(submission_id="s", assignment=toy.spec, rubric=toy.rubric, checks=toy.checks(public_only=False),
                 params=toy.params, observations=observations)


def test_skipped_cells_do_not_count_and_kernel_text_reaches_the_result_clean(toy):
    traceback = ("\x1b[0;31m---------\x1b[0m\n\x1b[0;31mValueError\x1b[0m Traceback (most recent call last)\n"
                 f"----> 1 f({TENSOR})\n\x1b[0;31mValueError\x1b[0m: bad input {TENSOR}")
    cells = [{"index": 0, "status": "ok", "source_head": "x = 1"},
             {"index": 1, "status": "skipped", "source_head": ""},
             {"index": 2, "status": "error", "source_head": "f(x)", "error": {
                 "ename": "ValueError", "evalue": f"\x1b[1mbad input {TENSOR}\x1b[0m", "traceback": traceback}}]
    result = toy_grade(toy, toy_observations(cells))
    runs = next(c for c in result.checks if c.id == "runs")
    assert runs.status is CheckStatus.PARTIAL and runs.points == 0.5 and runs.observed.startswith("1 of 2 code cells")
    assert runs.message == "cell 3 stopped with ValueError: bad input tensor([[…784 numbers…]])"
    (failed,) = result.cells
    assert failed["error"]["evalue"] == "bad input tensor([[…784 numbers…]])"
    assert failed["error"]["traceback"].endswith("ValueError: bad input tensor([[…784 numbers…]])")
    assert all(no_dump(str(value)) for value in [*failed["error"].values(), *(c.message for c in result.checks)])


def test_a_note_when_the_notebook_changed_an_injected_parameter(toy):
    def described(value):
        return {"ok": True, "exists": True, "type": f"builtins.{type(value).__name__}", "value": value}

    probe = parameter_probe_id("SCALE")
    assert toy_grade(toy, toy_observations([], {probe: described(2)})).notes == []  # toy injects SCALE: 2
    assert toy_grade(toy, toy_observations([])).notes == []  # not read (the run ended before the probes)
    (note,) = toy_grade(toy, toy_observations([], {probe: described(30)})).notes
    assert note.startswith("SCALE was set to 2 for grading, but the notebook changed it afterwards: it was 30 when")
    assert toy_grade(toy, toy_observations([], {probe: described(2.0)})).notes == []  # the same number


# --- one real grading -------------------------------------------------------------------------

MODEL = """\
import torch
from torch import nn

class Picky(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(28, 10)

    def forward(self, x):
        if x.shape[-1] != 28:
            raise ValueError(f"expected rows of 28 pixels, got {x}")
        return self.hidden(x)

model = Picky()"""

CELLS = [
    "import numpy as np\nEPOCHS = 30\nLR = 0.1",          # 1: no `parameters` tag; EPOCHS: 2, LR: 0.5 injected after
    "",                                                   # 2: blank
    "# TODO: data loading\n",                             # 3: only a comment
    MODEL,                                                # 4: raises on the probe input, pasting it
    "epochs_run = sum(1 for _ in range(EPOCHS))\n"
    "def tune():\n    global LR\n    LR = 0.01\ntune()",  # 5: EPOCHS held; LR overwritten inside a function
    "raise RuntimeError(f'\\x1b[31mred\\x1b[0m {np.arange(300).tolist()}')",  # 6: coloured, pastes 300 numbers
]
CHECKS = [
    {"id": "runs", "title": "runs", "kind": "executes", "points": 1},
    {"id": "epochs", "title": "EPOCHS injected", "kind": "variable", "points": 1,
     "params": {"name": "epochs_run", "equals": 2}},
    {"id": "arch", "title": "architecture", "kind": "architecture", "points": 1,
     "params": {"input_shape": [784], "expect": [{"count": {"kind": "linear", "equals": 2}}]}},
]
SPEC = "parameters: {EPOCHS: 2, LR: 0.5}\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, local_sandbox):
    from course_support import grade_in_course

    return grade_in_course(tmp_path_factory.mktemp("cells"), local_sandbox, CELLS, CHECKS, framework="pytorch",
                           spec=SPEC)


@pytest.mark.slow
def test_blank_cells_are_not_counted_and_the_coloured_error_is_clean(graded):
    checks = {c.id: c for c in graded.checks}
    assert graded.status is Status.GRADED
    runs = checks["runs"]
    assert runs.observed == "3 of 4 code cells ran without errors", runs.observed  # cells 2 and 3 not counted
    assert runs.message == "code cell 6 of 6 stopped with RuntimeError: red […300 numbers…]"  # as Jupyter counts
    (cell,) = graded.cells
    assert cell["number"] == 6 and no_dump(cell["error"]["traceback"]) and "RuntimeError" in cell["error"]["traceback"]


@pytest.mark.slow
def test_a_model_raising_on_the_probe_input_is_reported_without_the_input(graded):
    arch = {c.id: c for c in graded.checks}["arch"]
    assert arch.status is CheckStatus.FAILED
    assert arch.message.startswith("the model could not run on an input of shape [1, 784] (float32) (ValueError: "
                                   "expected rows of 28 pixels, got tensor([[…784 numbers…]]))"), arch.message
    assert arch.observed is None  # said once
    assert all(no_dump(str(text)) for text in (arch.message, arch.details))


@pytest.mark.slow
def test_parameters_without_a_parameters_cell_follow_the_assignment_and_an_overwrite_is_noted(graded):
    from grader.report.feedback import render_feedback

    assert {c.id: c for c in graded.checks}["epochs"].status is CheckStatus.PASSED  # injected after cell 1, not before
    (note,) = graded.notes
    assert note.startswith("LR was set to 0.5 for grading, but the notebook changed it afterwards: it was 0.01")
    page = render_feedback(graded, _spec(), student_view=False)
    assert 'id="notes"' in page and "LR was set to 0.5 for grading" in page


def _spec():
    from grader.spec.assignment import Assignment

    return Assignment.model_validate({"id": "lab", "title": "Lab", "framework": "pytorch"})


def test_a_keras_model_given_the_wrong_input_says_so_without_the_input():
    # Keras 3's own message for a wrong input shape pastes the input in full, in bold
    keras = import_keras()
    import numpy as np  # noqa: F401 - describe_keras draws its input with numpy

    from grader.probe.introspect.keras_walker import describe_keras

    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    error = describe_keras(model, inputs=[{"shape": [784]}])["trace"]["error"]
    assert error.startswith("ValueError: ") and "784" in error and no_dump(error), error
