"""The same notebook gets the same grade on a quiet and on a loaded machine. The load is four
CPU burners, each in a session of its own (setsid): Linux's autogroup scheduling gives every
session a fair share, so burners started in the test's own session would barely slow a sandbox
that runs in another, and the test would prove nothing."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import pytest

from conftest import TOY_GOOD, make_notebook
from grader.spec.assignment import Limits

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # loads the machine on purpose: alone in its tier

BURNERS = 4
# A fixed amount of work, not a duration: three times the cell's budget of 2 CPU seconds.
FIXED_WORK = "total = 0\nfor step in range(120_000_000):\n    total += step"


@pytest.fixture
def loaded_machine():
    burners = [subprocess.Popen([sys.executable, "-c", "while True:\n    pass"], start_new_session=True)
               for _ in range(BURNERS)]
    time.sleep(1)
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def verdicts(result):
    return [(c.id, c.status.value, c.points) for c in result.checks]


def grade(assignment, notebook, sandbox, out):
    from grader.pipeline import GradingOptions, grade_notebook

    return grade_notebook(assignment, notebook, GradingOptions(sandbox=sandbox, out_dir=out))


@pytest.fixture
def slow_toy(toy):
    limits = Limits(cell_timeout=2, total_timeout=30, probe_timeout=10)
    return dataclasses.replace(toy, spec=toy.spec.model_copy(update={"limits": limits}))


def test_a_slow_cell_is_stopped_alike_quiet_and_loaded(slow_toy, local_sandbox, tmp_path, request):
    notebook = make_notebook(tmp_path / "slow.ipynb", [*TOY_GOOD[:2], FIXED_WORK, *TOY_GOOD[2:]])
    quiet = grade(slow_toy, notebook, local_sandbox, tmp_path / "quiet")
    request.getfixturevalue("loaded_machine")
    started = time.monotonic()
    loaded = grade(slow_toy, notebook, local_sandbox, tmp_path / "loaded")
    assert quiet.status.value == loaded.status.value == "graded"
    runs = {c.id: c for c in loaded.checks}["runs"]
    assert "budget of 2 CPU seconds" in runs.message and runs.cell == 3
    assert verdicts(quiet) == verdicts(loaded)
    assert {c.id: c.status.value for c in loaded.checks}["hidden-accuracy"] == "passed"  # later checks evaluated
    print(f"loaded grading took {time.monotonic() - started:.1f} s")


def test_mnist_mlp_reference_gets_the_same_grade_quiet_and_loaded(local_sandbox, tmp_path, request):
    from grader.course import load_assignment

    lab = load_assignment("mnist-mlp")
    quiet = grade(lab, lab.reference, local_sandbox, tmp_path / "quiet")
    request.getfixturevalue("loaded_machine")
    loaded = grade(lab, lab.reference, local_sandbox, tmp_path / "loaded")
    assert quiet.status.value == "graded" and quiet.score == quiet.max_score - sum(
        c.max_points for c in quiet.checks if c.status.value == "pending")
    assert verdicts(quiet) == verdicts(loaded)
    assert loaded.timings["sandbox"] > quiet.timings["sandbox"]  # the load was real
