"""Starting a local sandbox ahead: the kernel comes up while the notebook waits for `finish`, a
cancelled start leaves nothing behind, and a batch that starts ahead grades every submission."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from conftest import TOY_GOOD, make_notebook

pytestmark = pytest.mark.slow  # real kernels


def _request(toy, tmp_path: Path, cells: list):  # noqa: ANN001, ANN202
    from grader.pipeline import GradingOptions, plan_submission

    notebook = make_notebook(tmp_path / "submission.ipynb", cells)
    return plan_submission(toy, notebook, GradingOptions(sandbox=None)).request  # type: ignore[arg-type]


def test_held_sandbox_runs_the_notebook_only_after_finish(toy, local_sandbox, tmp_path):
    held = local_sandbox.start(_request(toy, tmp_path, ["import time\nprint(f'ran at {time.time():.3f}')"]))
    time.sleep(3)  # long enough for the kernel to be up: the notebook must still wait
    released = time.time()
    result = held.finish()
    from grader.observations import Observations

    cells = Observations.parse(result.observations).execution.cells
    ran_at = float(cells[0].output_text.split()[-1])
    assert ran_at >= released, "the notebook ran before the sandbox was let go"
    assert 0 < result.seconds < 60


def test_cancelled_start_leaves_no_process_and_no_folder(toy, local_sandbox, tmp_path):
    held = local_sandbox.start(_request(toy, tmp_path, ["x = 1"]))
    supervisor = psutil.Process(held.process.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(supervisor.children(recursive=True)) < 2:
        time.sleep(0.2)  # supervisor -> harness -> kernel
    tree = [supervisor, *supervisor.children(recursive=True)]
    assert len(tree) >= 3, "the harness and its kernel should be starting ahead"
    held.cancel()
    gone, alive = psutil.wait_procs(tree, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    assert not held.root.exists()


def test_batch_that_starts_ahead_grades_every_submission(toy, local_sandbox, tmp_path):
    from grader.batch.executors import ThreadExecutor
    from grader.pipeline import GradingOptions, conclude, plan_submission

    options = GradingOptions(sandbox=local_sandbox)
    planned = {}
    executor = ThreadExecutor(local_sandbox, workers=1)
    for number in range(3):
        notebook = make_notebook(tmp_path / f"student{number}.ipynb", [*TOY_GOOD, f"student = {number}"])
        planned[str(number)] = plan_submission(toy, notebook, options)
        executor.submit(str(number), planned[str(number)].request)
    most_running, results = 0, {}
    for event in executor.finished():
        most_running = max(most_running, len(executor.running))
        if event is not None:
            results[event[0]] = conclude(planned[event[0]], event[1], options).result
    executor.close()
    assert sorted(results) == ["0", "1", "2"]
    assert all(r.status.value == "graded" and r.score == results["0"].score > 0 for r in results.values())
    assert most_running <= 1, "one worker runs one notebook at a time, however many start ahead"
