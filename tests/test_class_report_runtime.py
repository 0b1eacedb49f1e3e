"""A submission's runtime in a batch is its own work, not the time it waited for a worker
(issue 20: the class report's runtime grew 17 -> 83 s over 40 students while each took 3.8 s).

The sandbox here takes a fixed time per notebook and runs nothing, so the arithmetic is exact; the
gradebook, the planning and the scoring are real.
"""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import TOY_GOOD, make_notebook
from grader.batch.executors import ThreadExecutor
from grader.batch.recorded import grade_recorded_submissions, record_intake
from grader.gradebook.store import Gradebook
from grader.harness.job import HarnessJob
from grader.intake.collect import take_in
from grader.pipeline import GradingOptions
from grader.sandbox import Sandbox, SandboxRequest, SandboxResult
from grader.spec.assignment import Resources

RUN_SECONDS = 0.6


class SteadySandbox(Sandbox):
    """Every run takes RUN_SECONDS and returns no observations (the notebook counts as crashed)."""

    name = "steady"

    def run(self, request: SandboxRequest) -> SandboxResult:
        threading.Event().wait(RUN_SECONDS)
        return SandboxResult(observations=None, executed_notebook=None, seconds=RUN_SECONDS)


def test_one_worker_queues_the_class_but_each_runtime_is_one_run(toy, tmp_path: Path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("ann", "bob", "cem", "dan"):
        make_notebook(folder / f"{name}.ipynb", TOY_GOOD)
    sandbox = SteadySandbox()
    with Gradebook.open(tmp_path / "gradebook.sqlite") as book:
        submissions = record_intake(book, toy, take_in([folder], None))
        outcome = grade_recorded_submissions(book, toy, submissions, executor=ThreadExecutor(sandbox, workers=1),
                                             out=tmp_path / "out", grading=GradingOptions(sandbox=sandbox))
        stored = [book.stored_result(s.id).result for s in submissions]
    timings = sorted((r.timings for r in outcome.results.values()), key=lambda t: t["queued"])
    assert len(timings) == 4
    # The k-th in line waited for about the k runs before it (less the moments planning took before it was
    # submitted), and its own runtime is one run plus planning and scoring. The bounds leave a loaded
    # machine most of a run of slack; a runtime that still counted the wait would be about 4 runs for the last.
    assert timings[-1]["queued"] >= 1.5 * RUN_SECONDS, timings
    for timing in timings:
        assert RUN_SECONDS <= timing["total"] < 2.5 * RUN_SECONDS, timings
    assert max(t["total"] for t in timings) < timings[-1]["queued"], "the last one waited longer than it ran"
    assert sorted(r.timings["total"] for r in stored) == sorted(t["total"] for t in timings), \
        "the gradebook keeps the same timings as grade.json"
    written = (tmp_path / "out" / submissions[0].folder / "grade.json").read_text()
    assert '"total"' in written


def test_a_thread_executor_says_how_long_each_submission_waited():
    job = HarnessJob(assignment="toy", parameters={}, threads=1, cell_timeout=5, total_timeout=10, probe_timeout=5,
                     output_cap=1024, probes=[], eval_inputs=[])
    executor = ThreadExecutor(SteadySandbox(), workers=2)
    for key in "abcd":
        executor.submit(key, SandboxRequest(job=job, notebook=Path("x.ipynb"), resources=Resources()))
    assert sorted(key for key, _ in filter(None, executor.finished())) == list("abcd")
    waits = sorted(executor.waited.values())
    # two start at once; the other two wait for a run (the lower bound is exact, the upper leaves a loaded machine slack)
    assert waits[1] < RUN_SECONDS / 2 and RUN_SECONDS - 0.05 <= waits[2] <= waits[3] < 2 * RUN_SECONDS, waits
