"""Known breaks (grader/breaks.py, grader/breaks.yaml): a failed cell's record in, one hint out.

The fast tests match the errors as the installed libraries word them (Keras 3.15, torch 2.14,
numpy 2, pandas 3, scikit-learn 1.9: captured by running each snippet); the slow ones raise them
for real, and grade one notebook whose cells break, checking the hints in grade.json and
feedback.html."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURE_COURSE, TOY_GOOD, make_notebook
from test_scoring import cell, good_probes, observations

VERSIONS = {"keras": "3.15.1", "torch": "2.14.1", "tensorflow": "2.21.0", "numpy": "2.4.6", "pandas": "3.1.1",
            "scikit-learn": "1.9.1", "tqdm": "4.70.1", "torchvision": "0.29.1"}
MODULES = {"keras": "keras", "torch": "torch", "torchvision": "torchvision", "numpy": "numpy", "sklearn": "scikit-learn",
           "google": "protobuf", "os": "python", "tqdm": "tqdm"}

# (ename, evalue as the library raises it) -> the entry that explains it
REAL_ERRORS = [
    ("ImportError", "cannot import name 'np_utils' from 'keras.utils' (/venv/keras/utils/__init__.py)", "keras-np-utils"),
    ("ModuleNotFoundError", "No module named 'keras.utils.np_utils'", "keras-np-utils"),
    ("ModuleNotFoundError", "No module named 'keras.layers.core'", "keras-layers-submodule"),
    ("AttributeError", "module 'keras.layers' has no attribute 'advanced_activations'", "keras-layers-submodule"),
    ("ValueError", "Argument(s) not recognized: {'lr': 0.01}", "keras-optimizer-lr"),
    ("ValueError", "Expected `metrics` argument to be a list, tuple, or dict. Received instead: metrics=mae of type "
                   "<class 'str'>", "keras-metrics-not-a-list"),
    ("ModuleNotFoundError", "No module named 'keras.preprocessing.text'", "keras-text-preprocessing"),
    ("ModuleNotFoundError", "No module named 'keras_preprocessing'", "keras-text-preprocessing"),
    ("ImportError", "cannot import name 'ImageDataGenerator' from 'keras.preprocessing.image' (/venv/x.py)",
     "keras-image-generators"),
    ("AttributeError", "'Sequential' object has no attribute 'predict_classes'", "keras-predict-classes"),
    ("AttributeError", "'Sequential' object has no attribute 'fit_generator'", "keras-generator-methods"),
    ("ModuleNotFoundError", "No module named 'keras.wrappers'", "keras-scikit-learn-wrappers"),
    ("AttributeError", "module 'tensorflow' has no attribute 'Session'", "tensorflow-1-api"),
    ("AttributeError", "'_SingleProcessDataLoaderIter' object has no attribute 'next'", "torch-dataiter-next"),
    ("IndexError", "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
                   "convert a 0-dim tensor to a number", "torch-0-dim-index"),
    ("ModuleNotFoundError", "No module named 'torch._six'", "torch-six"),
    ("RuntimeError", "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a "
                     "driver from http://www.nvidia.com/Download/index.aspx", "cuda-without-gpu"),
    ("AssertionError", "Torch not compiled with CUDA enabled", "cuda-without-gpu"),
    ("RuntimeError", "No CUDA GPUs are available", "cuda-without-gpu"),
    ("RuntimeError", "Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions before calling "
                     "NumCudaDevices() that might have already set an error? Error 302: Error loading CUDA libraries. "
                     "GPU will not be used.", "cuda-without-gpu"),
    ("RuntimeError", "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False.",
     "cuda-checkpoint-on-cpu"),
    ("ModuleNotFoundError", "No module named 'google.colab'", "colab-only"),
    ("ModuleNotFoundError", "No module named 'seaborn'", "module-not-installed"),
    ("ModuleNotFoundError", "No module named 'torchvision.models.utils'", "module-moved"),
    ("AttributeError", "module 'numpy' has no attribute 'float'.\n`np.float` was a deprecated alias for the builtin "
                       "`float`.", "numpy-removed-alias"),
    ("ImportError", "\n`load_boston` has been removed from scikit-learn since version 1.2.", "sklearn-load-boston"),
    ("AttributeError", "'DataFrame' object has no attribute 'append'", "pandas-append"),
    ("ImportError", "IProgress not found. Please update jupyter and ipywidgets.", "tqdm-notebook-widgets"),
    ("RuntimeError", "Error downloading train-images-idx3-ubyte.gz:\nTried https://ossci-datasets.s3.amazonaws.com, "
                     "got:\n<urlopen error [Errno -2] Name or service not known>", "offline-download"),
]


def record(ename=None, evalue="", *, source="", status=None, traceback=None):
    from grader.contract import CellRecord, CellStatus

    error = {"ename": ename, "evalue": evalue, "traceback": traceback or f"{ename}: {evalue}"} if ename else None
    return CellRecord(index=0, status=status or (CellStatus.ERROR if ename else CellStatus.OK), source_head=source,
                      error=error)


def known(*, versions=VERSIONS, modules=MODULES, stand_ins=(), table=None):
    from grader.breaks import BreakContext, KnownBreaks, break_table
    from grader.environment import StandIn

    stand_ins = stand_ins or (StandIn("mnist", {"train": 12000, "test": 2000}, present=True),)
    return KnownBreaks(table if table is not None else break_table(()),
                       BreakContext(versions=versions, modules=modules, stand_ins=stand_ins))


@pytest.mark.parametrize(("ename", "evalue", "entry"), REAL_ERRORS, ids=[e[2] + "/" + e[1][:30] for e in REAL_ERRORS])
def test_each_well_known_break_gets_its_entry(ename, evalue, entry):
    hint = known().hint_for(record(ename, evalue))
    assert hint is not None and hint.id == entry, hint
    assert "{" not in hint.text and not hint.text[0].islower()


def test_hints_name_the_version_the_grader_runs():
    hints = {evalue: known().hint_for(record(ename, evalue)) for ename, evalue, _ in REAL_ERRORS}
    assert "the grader runs Keras 3.15.1" in hints["No module named 'keras.layers.core'"].text
    assert "`keras.layers.core`" in hints["No module named 'keras.layers.core'"].text
    assert "torch 2.14.1" in hints["'_SingleProcessDataLoaderIter' object has no attribute 'next'"].text
    assert "scikit-learn 1.9.1" in hints["\n`load_boston` has been removed from scikit-learn since version 1.2."].text
    moved = hints["No module named 'torchvision.models.utils'"].text
    assert "torchvision 0.29.1" in moved and "`torchvision.models.utils`" in moved
    assert "`seaborn` is not in the grading environment" in hints["No module named 'seaborn'"].text
    assert "mnist: 12,000 train, 2,000 test" in hints[REAL_ERRORS[-1][1]].text


def test_an_error_no_entry_knows_gets_no_hint():
    assert known().hint_for(record("ValueError", "my model is not ready")) is None
    assert known().hint_for(record("NameError", "name 'predict' is not defined")) is None


def test_an_entry_whose_version_is_unknown_gives_way_to_the_next():
    without_keras = known(versions={k: v for k, v in VERSIONS.items() if k != "keras"},
                          modules={k: v for k, v in MODULES.items() if k != "keras"})
    hint = without_keras.hint_for(record("ModuleNotFoundError", "No module named 'keras.layers.core'"))
    assert hint.id == "module-not-installed" and hint.text.startswith("`keras` is not in the grading environment")


def test_an_index_past_a_stand_in_names_it_and_its_sizes():
    from grader.environment import StandIn

    breaks = known(stand_ins=(StandIn("blobs2d", {"train": 800, "test": 400}, present=True),
                              StandIn("mnist", {"train": 12000, "test": 2000}, present=True)))
    hint = breaks.hint_for(record("IndexError", "index 7270 is out of bounds for axis 0 with size 2000"))
    assert hint.id == "index-beyond-stand-in"
    assert hint.text.startswith("The grader's `mnist` is a smaller stand-in: its test split has 2,000 examples "
                                "(12,000 train)") and "7270" in hint.text and "`len(x_test)`" in hint.text
    torch_words = breaks.hint_for(record("IndexError", "index 900 is out of bounds for dimension 0 with size 800"))
    assert "`blobs2d`" in torch_words.text and "train split has 800 examples" in torch_words.text
    assert breaks.hint_for(record("IndexError", "index 7270 is out of bounds for axis 0 with size 1234")) is None


def test_pip_install_in_a_cell_that_ran_says_what_is_there_and_what_is_not():
    hint = known().hint_for(record(source="!pip install -q seaborn tqdm==4.0 torch"))
    assert hint.id == "pip-install"
    assert "seaborn is not in the grading environment" in hint.text
    assert "tqdm 4.70.1, torch 2.14.1 are already there" in hint.text
    assert known().hint_for(record(source="import os\n%pip install --upgrade tqdm")).id == "pip-install"
    assert known().hint_for(record(source="# later: pip install seaborn\nimport os")) is None


def test_pip_package_names_leave_out_options_files_and_urls():
    from grader.breaks import pip_packages

    source = ("!pip install -q -U albumentations==1.3.0 'opencv-python>=4' -r requirements.txt --index-url "
              "https://example.org/simple torch  # for the GPU\n%pip install tqdm\n!python -m pip install Seaborn[all]\n"
              "!pip install git+https://github.com/x/y.git ./local $PKG\n!{sys.executable} -m pip install keras")
    assert pip_packages(source) == ["albumentations", "opencv-python", "torch", "tqdm", "Seaborn", "keras"]


def test_only_failed_cells_and_noted_cells_are_listed():
    from grader.contract import CellStatus

    cells = [record(source="x = 1"), record(source="!pip install seaborn"),
             record("ValueError", "mine", source="raise ValueError('mine')"),
             record(source="y = 2", status=CellStatus.NOT_RUN), record(source="", status=CellStatus.SKIPPED),
             record(source="!pip install seaborn", status=CellStatus.NOT_RUN),
             record(source="slow()", status=CellStatus.TIMEOUT)]
    noted = [(c.source_head, h.id if h else None) for c, h in known().noted_cells(cells)]
    assert noted == [("!pip install seaborn", "pip-install"), ("raise ValueError('mine')", None), ("slow()", None)]


def test_scoring_puts_the_hint_beside_the_failed_cell_in_every_output(toy):
    from grader.report.feedback import render_feedback
    from grader.report.terminal import checks_table
    from grader.scoring import score

    cells = [cell(0), {**cell(1), "source_head": "!pip install seaborn"},
             {**cell(2, status="error", error={"ename": "ImportError", "evalue": "cannot import name 'np_utils' from "
                                                                                   "'keras.utils' (/x.py)"}),
              "source_head": "from keras.utils import np_utils"}]
    def graded(**breaks):
        return score(submission_id="s1", assignment=toy.spec, rubric=toy.rubric, checks=toy.checks(public_only=False),
                     params=toy.params, observations=observations(cells=cells, probes=good_probes()), **breaks)

    result, plain = graded(breaks=known()), graded()
    assert result.checks == plain.checks and result.score == plain.score  # a hint never moves a point
    assert [(c["number"], c["hint"]) for c in plain.cells] == [(3, None)]
    assert [(c["number"], c["status"], (c["hint"] or {}).get("id")) for c in result.cells] == [
        (2, "ok", "pip-install"), (3, "error", "keras-np-utils")]
    saved = json.loads(json.dumps(result.to_dict()))["cells"][1]["hint"]
    assert saved["text"].startswith("`keras.utils.np_utils` is gone in Keras 3 (the grader runs Keras 3.15.1)")
    page = render_feedback(result, toy.spec, student_view=False)
    assert "Cells that failed" in page and "Cells that ran, with a note" in page
    assert 'data-break="keras-np-utils"' in page and "keras.utils.to_categorical(y, num_classes)" in page
    assert 'data-break="pip-install"' in page and "seaborn is not in the grading environment" in page
    table = checks_table(result)
    assert "  cell 3: raised an error\n" in table and "\n    ImportError: cannot import name 'np_utils'" in table
    assert "    hint: `keras.utils.np_utils` is gone in Keras 3" in table
    assert "Ячейки с ошибками" in render_feedback(result, toy.spec, student_view=False, lang="ru")


def test_the_built_in_table_is_valid_and_every_id_once():
    from grader.breaks import built_in_breaks

    ids = [entry.id for entry in built_in_breaks()]
    assert len(ids) == len(set(ids)) >= 20


@pytest.mark.parametrize(("text", "problem"), [
    ("breaks:\n  - id: a\n    match: {error: x}\n    hint: h\n    colour: red\n",
     ":5: breaks[0].colour: unknown key; allowed keys here: hint, id, match"),
    ("breaks:\n  - id: a\n    match:\n      error: 'x('\n    hint: h\n", ":4: breaks[0].match.error: Value error, not a valid regular expression"),
    ("breaks:\n  - id: a\n    match: {cells: any}\n    hint: h\n", ":3: breaks[0].match: Value error, give at least one of error"),
    ("breaks:\n  - id: a\n    match: {error: x, cells: any}\n    hint: h\n", "cells: any needs a source pattern"),
    ("breaks:\n  - id: a\n    match: {error: x}\n    hint: 'see {colour}'\n", "unknown placeholder {colour}"),
    ("breaks:\n  - id: a\n    match: {error: x}\n    hint: '{stand_in}'\n", "{stand_in} needs a pattern with the named group (?P<size>...)"),
    ("breaks:\n  - id: a\n    match: {error: x}\n    hint: h\n  - id: a\n    match: {error: y}\n    hint: h\n",
     ":5: breaks[1].id: 'a' is already used by breaks[0]"),
    ("breaks:\n  - id: a\n    match: {error: x\n", ": not valid YAML"),
])
def test_a_bad_breaks_file_names_its_file_line_and_problem(tmp_path, text, problem):
    from grader.breaks import load_breaks_file
    from grader.errors import SpecError

    path = tmp_path / "breaks.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        load_breaks_file(path)
    assert str(path) in str(raised.value) and problem in str(raised.value), str(raised.value)


def test_the_assignment_then_the_course_then_the_built_in_table(tmp_path):
    from grader.breaks import break_table
    from grader.course import load_assignment
    from grader.release import release

    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    (course / "breaks.yaml").write_text(
        "breaks:\n"
        "  - id: course-plotly\n    match: {error: \"No module named 'plotly\"}\n    hint: Plot with matplotlib.\n"
        "  - id: keras-optimizer-lr\n    match: {error: \"'lr'\"}\n    hint: As in lesson 3 (Keras {version[keras]}).\n")
    (course / "assignments" / "toy" / "breaks.yaml").write_text(
        "breaks:\n  - id: course-plotly\n    match: {error: plotly}\n    hint: This lab has no plots.\n")
    loaded = load_assignment("toy", root=course)
    assert [(b.id, b.hint) for b in loaded.breaks] == [("course-plotly", "This lab has no plots."),
                                                       ("keras-optimizer-lr", "As in lesson 3 (Keras {version[keras]}).")]
    table = break_table(loaded.breaks)
    assert [b.id for b in table][:2] == ["course-plotly", "keras-optimizer-lr"]
    assert [b.id for b in table].count("keras-optimizer-lr") == 1
    breaks = known(table=table)
    assert breaks.hint_for(record("ModuleNotFoundError", "No module named 'plotly'")).text == "This lab has no plots."
    assert breaks.hint_for(record("ValueError", "Argument(s) not recognized: {'lr': 0.1}")).text == \
        "As in lesson 3 (Keras 3.15.1)."
    bundle = release(loaded, tmp_path / "out", data_cache=tmp_path / "cache")
    assert load_assignment(str(bundle)).breaks == loaded.breaks  # a self-check explains the same breaks


def test_measured_versions_win_over_the_installed_metadata(toy, tmp_path):
    from grader.breaks import break_context

    context = break_context(toy.spec, tmp_path, {"keras": "3.99.0", "python": "3.11.7", "device": "cpu"})
    assert context.versions["keras"] == "3.99.0" and "python" not in context.versions
    assert [s.dataset for s in context.stand_ins] == ["blobs2d"]


# --- for real ------------------------------------------------------------------------------------

SNIPPETS = [
    ("from keras.utils import np_utils", "keras-np-utils"),
    ("from keras.layers.core import Dense", "keras-layers-submodule"),
    ("from keras.optimizers import Adam\nAdam(lr=0.01)", "keras-optimizer-lr"),
    ("import keras\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
     "m.compile(loss='mse', optimizer='adam', metrics='mae')", "keras-metrics-not-a-list"),
    ("from keras.preprocessing.text import Tokenizer", "keras-text-preprocessing"),
    ("import torch\nit = iter(torch.utils.data.DataLoader(list(range(4))))\nit.next()", "torch-dataiter-next"),
    ("import torch\ntorch.tensor(1.0).data[0]", "torch-0-dim-index"),
    ("import numpy as np\nnp.float", "numpy-removed-alias"),
    ("import pandas as pd\npd.DataFrame().append({'a': 1}, ignore_index=True)", "pandas-append"),
    ("from sklearn.datasets import load_boston", "sklearn-load-boston"),
    ("from google.colab import drive", "colab-only"),
]


@pytest.mark.slow
def test_the_installed_libraries_raise_what_the_table_expects(tmp_path):
    """Each snippet raises in this process, with the installed versions; its record gets the entry.
    A library that rewords an error fails here, not silently in a student's feedback."""
    import traceback

    from conftest import import_keras
    from grader.breaks import KnownBreaks, break_context, break_table
    from grader.course import load_assignment

    import_keras()
    torch = pytest.importorskip("torch")
    toy = load_assignment("toy", root=FIXTURE_COURSE)
    breaks = KnownBreaks(break_table(()), break_context(toy.spec, tmp_path))
    snippets = [*SNIPPETS, *([] if torch.cuda.is_available() else [("import torch\ntorch.zeros(1).cuda()",
                                                                      "cuda-without-gpu")])]
    for source, entry in snippets:
        try:
            exec(compile(source, "<cell>", "exec"), {})
        except Exception as exc:  # noqa: BLE001 - whatever the library raises is what a student sees
            raised = record(type(exc).__name__, str(exc), source=source, traceback="".join(traceback.format_exc()))
        else:
            pytest.fail(f"{source!r} raised nothing")
        hint = breaks.hint_for(raised)
        assert hint is not None and hint.id == entry, (source, raised.error, hint)


@pytest.fixture(scope="module")
def graded_breaks(tmp_path_factory, local_sandbox):
    """One real grading of a toy notebook whose cells break as students' do: a `!pip install` that
    cannot install, a Colab import, a fixed index past the stand-in's test split."""
    from grader.course import load_assignment
    from grader.pipeline import GradingOptions, grade_notebook

    folder = tmp_path_factory.mktemp("breaks")
    cells = [TOY_GOOD[0], "!pip install --no-index seaborn tqdm", "from google.colab import drive", *TOY_GOOD[1:4],
             "tenth_thousand = data['x_test'][9999]", *TOY_GOOD[4:]]
    notebook = make_notebook(folder / "colab_style.ipynb", cells)
    grade_notebook(load_assignment("toy", root=FIXTURE_COURSE), notebook,
                   GradingOptions(sandbox=local_sandbox, out_dir=folder / "out"))
    return folder / "out"


@pytest.mark.slow
def test_a_graded_notebook_has_its_hints_in_grade_json(graded_breaks):
    out = graded_breaks
    cells = {c["number"]: c for c in json.loads((out / "grade.json").read_text())["cells"]}
    assert {n: (c["status"], c["hint"]["id"]) for n, c in cells.items()} == {
        2: ("ok", "pip-install"), 3: ("error", "colab-only"), 7: ("error", "index-beyond-stand-in")}
    assert "seaborn is not in the grading environment" in cells[2]["hint"]["text"]
    assert "tqdm" in cells[2]["hint"]["text"] and "already there" in cells[2]["hint"]["text"]
    assert cells[7]["hint"]["text"].startswith("The grader's `blobs2d` is a smaller stand-in: its test split has 400")


@pytest.mark.slow
def test_a_graded_notebook_has_its_hints_in_feedback_html(graded_breaks):
    out = graded_breaks
    page = (out / "feedback.html").read_text()
    for number, entry in ((2, "pip-install"), (3, "colab-only"), (7, "index-beyond-stand-in")):
        block = page[page.index(f'id="cell-{number}"'):]
        following = block.find('id="cell-', 1)  # the next cell's block, if any
        assert f'data-break="{entry}"' in (block[:following] if following > 0 else block)  # inside that cell's block
    assert "`google.colab` exists only on Colab" in page

