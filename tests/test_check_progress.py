"""grader check's progress (the harness's progress file, its strict parser, the host's tail, the
line on a terminal and in a log) and its table fitted to the terminal, with points rounded as on
the page. Slow: `grader check` run for real, with and without --quiet."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import click
import pytest

from conftest import FIXTURE_COURSE, TOY_GOOD, make_notebook
from grader.batch.progress import NotebookProgress, elapsed_text, progress_text
from grader.harness.progress import Phase, ProgressTail, ProgressWriter, RunProgress, parse_line
from grader.report.points import out_of, points
from grader.report.terminal import checks_table, summary_table
from grader.results import CheckResult, CheckStatus, GradeResult, Status

LONG_TITLE = ("the model has three hidden layers whose widths are passed as a list to the constructor, "
              "with dropout p=0.3 before the first")


@pytest.mark.parametrize(("line", "expected"), [
    (b"cell 4 12", RunProgress(Phase.CELL, 4, 12)),
    (b"cell 12 12", RunProgress(Phase.CELL, 12, 12)),
    (b"probes", RunProgress(Phase.PROBES)),
])
def test_a_progress_line_is_parsed(line, expected):
    assert parse_line(line) == expected


@pytest.mark.parametrize("line", [b"cell 0 3", b"cell 4 3", b"cell 1 2 3", b"cell -1 2", b"CELL 1 2", b"probes ",
                                  b" cell 1 2", b"cell 1234567 9999999", b"cell 01 2", b"", b"cell 1\t2"])
def test_anything_else_is_ignored(line):
    assert parse_line(line) is None


def test_the_host_reads_what_the_harness_appended(tmp_path):
    path = tmp_path / "progress"
    writer = ProgressWriter(path)
    tail = ProgressTail(path, lambda _: None)
    assert tail.poll() == []
    writer.cell(1, 3)
    with open(path, "ab") as raw:  # junk, an overlong line and half a line: only whole progress lines count
        raw.write(b"rm -rf /\n" + b"cell 2 3" * 100 + b"\ncell 2 ")
    assert tail.poll() == [RunProgress(Phase.CELL, 1, 3)]
    with open(path, "ab") as raw:
        raw.write(b"3\n")
    writer.probes()
    writer.close()
    assert tail.poll() == [RunProgress(Phase.CELL, 2, 3), RunProgress(Phase.PROBES)]
    assert tail.poll() == []


def test_the_tail_follows_no_link_and_opens_no_fifo(tmp_path):
    real = tmp_path / "elsewhere"
    real.write_bytes(b"cell 1 1\n")
    (tmp_path / "linked").symlink_to(real)
    assert ProgressTail(tmp_path / "linked", lambda _: None).poll() == []
    os.mkfifo(tmp_path / "fifo")  # opening it for reading would block the host: it is not even opened
    assert ProgressTail(tmp_path / "fifo", lambda _: None).poll() == []


def test_the_tail_tells_the_sink_as_the_run_goes(tmp_path):
    path = tmp_path / "progress"
    heard: list[RunProgress] = []
    writer = ProgressWriter(path)
    with ProgressTail(path, heard.append):
        writer.cell(1, 2)
        deadline = time.monotonic() + 5
        while len(heard) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert heard == [RunProgress(Phase.STARTED), RunProgress(Phase.CELL, 1, 2)]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_each_position_is_a_line_of_its_own():
    log = io.StringIO()
    with NotebookProgress(log) as progress:
        progress.update(RunProgress(Phase.STARTED))
        progress.update(RunProgress(Phase.CELL, 1, 2))
        progress.update(RunProgress(Phase.CELL, 1, 2))  # the tail repeats nothing, but a repeat is not news
        progress.update(RunProgress(Phase.CELL, 2, 2))
        progress.update(RunProgress(Phase.PROBES))
    assert log.getvalue().splitlines() == ["running the notebook · 0:00", "running code cell 1 of 2 · 0:00",
                                           "running code cell 2 of 2 · 0:00", "checking the answers · 0:00"]


def test_on_a_terminal_one_line_is_redrawn_and_erased_before_the_results():
    screen = Terminal()
    with NotebookProgress(screen) as progress:
        progress.update(RunProgress(Phase.CELL, 3, 12))
        time.sleep(0.7)  # the ticker redraws
    text = screen.getvalue()
    assert "\n" not in text and "\rrunning code cell 3 of 12 · 0:00\x1b[K" in text
    assert text.endswith("\r\x1b[K")


@pytest.mark.parametrize(("progress", "seconds", "text"), [
    (None, 1, "preparing the check · 0:01"),
    (RunProgress(Phase.STARTED), 17, "running the notebook · 0:17"),
    (RunProgress(Phase.CELL, 4, 12), 725, "running code cell 4 of 12 · 12:05"),
    (RunProgress(Phase.PROBES), 3723.9, "checking the answers · 1:02:03"),
])
def test_progress_text(progress, seconds, text):
    assert progress_text(progress, seconds) == text


def test_elapsed_text_counts_whole_seconds():
    assert [elapsed_text(s) for s in (0, 59.9, 60, 3599, 3600)] == ["0:00", "0:59", "1:00", "59:59", "1:00:00"]


def _result() -> GradeResult:
    checks = [
        CheckResult(id="arch", title=LONG_TITLE, kind="architecture", visibility="public", points=2 / 3 * 3,
                    max_points=3, status=CheckStatus.PARTIAL,
                    message="expected three hidden Linear layers after the dropout; found two Linear layers "
                            "(784->128, 128->10) with ReLU between them"),
        CheckResult(id="sigmoid", title="sigmoid", kind="function", visibility="public", points=1, max_points=1,
                    status=CheckStatus.PASSED, message="sigmoid gave the expected result in all 3 case(s)"),
        CheckResult(id="essay", title="Written discussion", kind="manual", visibility="public", points=0,
                    max_points=2, status=CheckStatus.PENDING, message="graded by the instructor; points pending"),
    ]
    return GradeResult(submission_id="mine", assignment="toy", rubric_version=1, status=Status.GRADED,
                       score=55 / 7, max_score=10, pass_mark=0.5, checks=checks)


def test_an_ungradable_notebook_says_why_once_with_no_row_per_check():
    reason = "the file is not a Jupyter notebook (not valid JSON: Expecting value: line 1 column 1 (char 0))"
    unchecked = [replace(check, points=0, status=CheckStatus.FAILED, message=f"not checked: {reason}")
                 for check in _result().checks]
    result = replace(_result(), status=Status.UNGRADABLE, score=0, checks=unchecked, message=reason)
    text = click.unstyle(checks_table(result, width=80))
    assert "mine: ungradable, 0/10" in text
    assert text.count("not a Jupyter notebook") == 1, text


@pytest.mark.parametrize("width", [80, 120])
def test_the_checks_table_fits_the_terminal_and_cuts_no_title(width):
    lines = click.unstyle(checks_table(_result(), width=width)).splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert "…" not in "\n".join(lines)
    title_column = lines[0].index("result")
    title_lines = [line[:title_column].strip() for line in lines[1:] if line[:title_column].strip()]
    assert " ".join(title_lines).startswith(LONG_TITLE)  # every word, in order, none broken
    assert sum(line.startswith(("the model", "sigmoid", "Written")) for line in lines) == 3
    assert "mine: graded, 7.86/10" in "\n".join(lines)
    narrower = click.unstyle(checks_table(_result(), width=width - 40)).splitlines()
    assert len(lines) < len(narrower)  # the room a terminal has is used


def test_only_the_status_column_is_coloured():
    table = checks_table(_result(), width=80)
    pending = [line for line in table.splitlines() if "pending" in click.unstyle(line)]
    assert click.style("pending", fg="blue") in pending[0]
    assert pending[1].strip() == "pending"  # the message's last word, wrapped, stays plain


def test_the_summary_table_fits_too():
    results = [GradeResult(submission_id=f"student-with-a-rather-long-identifier-{i}", assignment="toy",
                           rubric_version=1, status=Status.CRASHED, score=1 / 3, max_score=10, pass_mark=0.5,
                           checks=[], message="the kernel died while running cell 7 (os._exit, a crash or memory)")
               for i in range(2)]
    lines = click.unstyle(summary_table(results, width=80)).splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "0.33/10" in lines[1]


def test_points_are_rounded_as_on_the_page(toy):
    from grader.report.feedback import render_feedback

    result = _result()
    page = render_feedback(result, toy.spec, student_view=True)
    assert f">{points(result.score)} / {points(result.max_score)}<" in page
    assert f"{points(2.0)} / {points(3)}" in page
    assert out_of(result.score, result.max_score) == "7.86/10" and points(2 / 3) == "0.67" and points(10.0) == "10"


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """One toy notebook checked twice through the CLI (stderr a pipe): with progress on the default
    sandbox, and --quiet on the unisolated one."""
    folder = tmp_path_factory.mktemp("check-progress")
    notebook = make_notebook(folder / "mine.ipynb", [("md", "# my lab"), *TOY_GOOD, ""])
    runs = {}
    for name, extra in {"progress": [], "quiet": ["--quiet", "--sandbox", "unisolated"]}.items():
        runs[name] = subprocess.run(
            [sys.executable, "-m", "grader", "check", "--course", str(FIXTURE_COURSE), "toy", str(notebook),
             "--out", str(folder / name), "--json", *extra], capture_output=True, text=True, cwd=folder, timeout=300)
    return runs


@pytest.mark.slow
def test_check_says_which_cell_runs(checked):
    done = checked["progress"]
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["score"] == 9
    progress = [line for line in done.stderr.splitlines() if line.startswith(("running", "checking", "preparing"))]
    # five code cells with code and a blank one (not run) after a markdown cell; the probes last
    assert [line.rsplit(" · ", 1)[0] for line in progress] == [
        "running the notebook", *(f"running code cell {n} of 6" for n in range(1, 6)), "checking the answers"]
    assert "\r" not in done.stderr  # not a terminal: nothing redrawn in a log


@pytest.mark.slow
def test_quiet_check_shows_no_progress(checked):
    done = checked["quiet"]
    assert done.returncode == 0, done.stderr
    assert "running code cell" not in done.stderr and "checking the answers" not in done.stderr
    assert Path(json.loads(done.stdout)["submission_id"]).name == "mine"
