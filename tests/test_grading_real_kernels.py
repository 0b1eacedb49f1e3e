"""End-to-end grading through the local sandbox with real kernels: good work, bad input,
hostile or broken notebooks. Each ends with a defined status and a clear message."""

from __future__ import annotations

import dataclasses
import json

import psutil
import pytest

from conftest import TOY_GOOD, make_notebook, sha256
from grader.results import CheckStatus, Status
from grader.spec.assignment import Limits

pytestmark = pytest.mark.slow


def by_id(result):
    return {check.id: check for check in result.checks}


def test_correct_submission_earns_every_automatic_point(grade_toy, tmp_path):
    result = grade_toy(TOY_GOOD, out=tmp_path / "out")
    checks = by_id(result)
    assert result.status is Status.GRADED
    assert [c.id for c in result.checks if c.status is not CheckStatus.PASSED] == ["review"]
    assert checks["review"].status is CheckStatus.PENDING
    assert result.score == 12 and result.max_score == 14 and result.passed
    assert checks["scaled"].status is CheckStatus.PASSED  # SCALE=2 injected after the parameters cell
    assert result.environment["python"].startswith("3.")
    written = json.loads((tmp_path / "out" / "grade.json").read_text())
    assert written["schema"] == 1 and written["score"] == 12 and written["passed"] is True
    assert (tmp_path / "out" / "executed.ipynb").is_file()
    assert "12 / 14" in (tmp_path / "out" / "feedback.html").read_text()


@pytest.mark.parametrize("content, reason", [
    (b"this is not json", "not valid JSON"),
    (b'{"hello": "world"}', "not a Jupyter notebook"),
    (b'{"cells": "nope", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "not valid nbformat"),
    (b'{"cells": [], "nbformat": 7}', "unsupported notebook format"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
])
def test_files_that_are_not_notebooks_are_ungradable(grade_toy, tmp_path, content, reason):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    result = grade_toy(path)
    assert result.status is Status.UNGRADABLE and reason in result.message
    assert result.exit_code == 3 and result.score == 0
    assert path.read_bytes() == content


def test_nbformat_3_notebook_is_converted_and_graded(grade_toy, tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"}, "worksheets": [{"cells": [
        {"cell_type": "code", "language": "python", "input": "import numpy as np\ndef square(x):\n    return np.asarray(x) ** 2",
         "outputs": [], "metadata": {}}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    before = sha256(path)
    result = grade_toy(path)
    assert result.status is Status.GRADED
    assert by_id(result)["square"].status is CheckStatus.PASSED
    assert sha256(path) == before


def test_empty_notebook_is_graded_with_zero(grade_toy):
    result = grade_toy([])
    assert result.status is Status.GRADED and result.score == 0 and result.exit_code == 1
    assert "no code cells" in by_id(result)["runs"].message


def test_failing_cell_does_not_stop_later_cells(grade_toy):
    cells = list(TOY_GOOD)
    cells.insert(2, "raise ValueError('student bug')")
    result = grade_toy(cells)
    checks = by_id(result)
    assert result.status is Status.GRADED
    assert checks["runs"].status is CheckStatus.PARTIAL and checks["runs"].cell == 3
    assert "ValueError: student bug" in checks["runs"].message
    assert checks["square"].status is CheckStatus.PASSED and checks["hidden-accuracy"].status is CheckStatus.PASSED
    assert result.cells[0]["number"] == 3


def test_infinite_loop_is_interrupted_and_grading_continues(grade_toy):
    cells = list(TOY_GOOD)
    cells.insert(2, "while True:\n    pass")
    result = grade_toy(cells)
    assert result.status is Status.GRADED
    assert "budget of 5 CPU seconds" in by_id(result)["runs"].message
    assert "the notebook's own work" in by_id(result)["runs"].message
    assert by_id(result)["square"].status is CheckStatus.PASSED


def test_loop_that_ignores_interrupts_ends_as_timeout(grade_toy):
    stubborn = "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass"
    result = grade_toy([TOY_GOOD[1], stubborn, TOY_GOOD[2]])
    assert result.status is Status.TIMEOUT
    assert "cell 2 ran past its budget and went on after the interrupt" in result.message
    assert result.exit_code == 1


def test_sys_exit_is_a_cell_error_not_a_crash(grade_toy):
    cells = list(TOY_GOOD)
    cells.insert(2, "import sys\nsys.exit(3)")
    result = grade_toy(cells)
    assert result.status is Status.GRADED
    assert "SystemExit" in by_id(result)["runs"].message
    assert by_id(result)["square"].status is CheckStatus.PASSED


@pytest.mark.parametrize("killer", ["import os\nos._exit(1)", "import ctypes\nctypes.string_at(0)"],
                         ids=["os._exit", "segfault"])
def test_kernel_death_ends_as_crashed_with_the_cell_named(grade_toy, killer):
    result = grade_toy([TOY_GOOD[1], killer, TOY_GOOD[2]])
    assert result.status is Status.CRASHED
    assert "kernel died while running cell 2" in result.message
    assert result.exit_code == 1
    assert by_id(result)["runs"].status is CheckStatus.PARTIAL  # the first cell's work still counts
    # one story (issue 19): the check says which cell crashed, as the banner does
    assert by_id(result)["square"].message.startswith("not run because code cell 2 of 3 crashed: the kernel died")


def test_total_budget_stops_the_notebook_and_keeps_earned_points(toy, local_sandbox, tmp_path):
    """Each cell does a fixed 2 s of CPU work (not a sleep): the third one meets the total budget."""
    from grader.pipeline import GradingOptions, grade_notebook

    quick = dataclasses.replace(toy, spec=toy.spec.model_copy(update={"limits": Limits(cell_timeout=4, total_timeout=5, probe_timeout=10)}))
    work = "import time\nstarted = time.process_time()\nwhile time.process_time() - started < 2:\n    pass"
    path = make_notebook(tmp_path / "slow.ipynb", [TOY_GOOD[1], work, work, work, "after = 1"])
    result = grade_notebook(quick, path, GradingOptions(sandbox=local_sandbox))
    assert result.status is Status.TIMEOUT
    assert "total budget of 5 s of computing" in result.message
    assert by_id(result)["square"].status is CheckStatus.PASSED


def test_sleeping_past_the_wall_clock_backstop_is_a_timeout_that_says_so(toy, local_sandbox, tmp_path):
    from grader.harness.budget import WALL_FACTOR
    from grader.pipeline import GradingOptions, grade_notebook

    quick = dataclasses.replace(toy, spec=toy.spec.model_copy(update={"limits": Limits(cell_timeout=1, total_timeout=1, probe_timeout=10)}))
    nap = f"import time\ntime.sleep({WALL_FACTOR * 0.6})"
    path = make_notebook(tmp_path / "sleepy.ipynb", [TOY_GOOD[1], nap, nap, "after = 1"])
    result = grade_notebook(quick, path, GradingOptions(sandbox=local_sandbox))
    assert result.status is Status.TIMEOUT
    assert "mostly waiting rather than computing" in result.message
    assert by_id(result)["square"].status is CheckStatus.PASSED


@pytest.mark.parametrize("predict, message", [
    ("predict = None\ndel predict", "'predict' is not defined"),
    ("def predict(x):\n    return np.zeros(3)", "3 predictions for 200 inputs"),
    ("def predict(x):\n    return np.array(['a'] * len(x))", "dtype <U1"),
    ("def predict(x):\n    return np.full(len(x), np.nan)", "NaN"),
    ("def predict(x):\n    raise RuntimeError('model not trained')", "RuntimeError: model not trained"),
])
def test_bad_predict_functions_fail_the_metric_checks_clearly(grade_toy, predict, message):
    cells = [*TOY_GOOD, predict]
    result = grade_toy(cells)
    checks = by_id(result)
    assert result.status is Status.GRADED
    for check_id in ("public-accuracy", "hidden-accuracy"):
        assert checks[check_id].status is CheckStatus.FAILED
    assert message in checks["public-accuracy"].message
    assert checks["square"].status is CheckStatus.PASSED


def test_a_predict_that_never_returns_fails_the_metric_checks_after_its_budget(toy, local_sandbox, tmp_path):
    """Each probe of a `predict` that loops forever stops after the probe budget (2 s of computing
    here, so the test burns little CPU) and fails its check, saying why."""
    from grader.pipeline import GradingOptions, grade_notebook

    quick = dataclasses.replace(toy, spec=toy.spec.model_copy(update={"limits": Limits(cell_timeout=5, total_timeout=40, probe_timeout=2)}))
    path = make_notebook(tmp_path / "loops.ipynb", [*TOY_GOOD, "def predict(x):\n    while True:\n        pass"])
    result = grade_notebook(quick, path, GradingOptions(sandbox=local_sandbox))
    checks = by_id(result)
    assert result.status is Status.GRADED
    for check_id in ("public-accuracy", "hidden-accuracy"):
        assert checks[check_id].status is CheckStatus.FAILED
    assert "timed out: stopped after 2 s of computing" in checks["public-accuracy"].message
    assert checks["square"].status is CheckStatus.PASSED


def test_huge_output_is_capped(grade_toy, tmp_path):
    cells = [*TOY_GOOD, "for _ in range(200):\n    print('x' * 100_000)"]
    result = grade_toy(cells, out=tmp_path / "out")
    assert result.status is Status.GRADED and by_id(result)["report"].status is CheckStatus.PASSED
    executed = (tmp_path / "out" / "executed.ipynb").read_text()
    assert "[output truncated by the grader]" in executed
    assert len(executed) < 1_000_000


def test_child_process_that_outlives_the_kernel_is_killed(grade_toy, tmp_path):
    """The child is found on the host by its unusual argument: inside a PID namespace the pid the
    notebook sees is not the host's."""
    marker = "300.0417"
    spawn = (f"import subprocess\nchild = subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
             "print('child pid', child.pid)")
    result = grade_toy([spawn], out=tmp_path / "out")
    executed = json.loads((tmp_path / "out" / "executed.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert "child pid" in text
    assert result.status is Status.GRADED
    alive = [p for p in psutil.process_iter(["cmdline", "status"])
             if marker in (p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE]
    assert alive == []


def test_memory_bomb_is_stopped_by_the_memory_limit(grade_toy):
    result = grade_toy([TOY_GOOD[1], "hog = bytearray(8 * 1024**3)", TOY_GOOD[2]])
    assert result.status is Status.GRADED
    assert "MemoryError" in by_id(result)["runs"].message
    assert by_id(result)["scaled"].status is CheckStatus.PASSED


def test_public_only_grading_never_sends_hidden_probes(grade_toy, tmp_path):
    result = grade_toy(TOY_GOOD, public_only=True, out=tmp_path / "out")
    assert "hidden-accuracy" not in by_id(result)
    assert result.max_score == 11
    assert "eval/hidden.npy" not in (tmp_path / "out" / "executed.ipynb").read_text()
