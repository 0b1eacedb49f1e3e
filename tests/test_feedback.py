"""feedback.html: self-contained, honest about hidden checks, safe with hostile text, and it
renders in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.observations import Observations
from grader.report.feedback import render_feedback
from grader.scoring import score

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def page(toy) -> str:
    observations = Observations.model_validate({
        "schema": 1, "status": "completed",
        "execution": {"cells": [{"index": 0, "status": "error", "source_head": HOSTILE,
                                 "error": {"ename": "ValueError", "evalue": HOSTILE}}]},
        "probes": {"square#0": {"ok": False, "error": HOSTILE}}})
    result = score(submission_id="alice", assignment=toy.spec, rubric=toy.rubric, checks=toy.rubric.checks,
                   params=toy.params, observations=observations)
    return render_feedback(result, toy.spec, student_view=False)


def test_page_is_self_contained(page):
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<style>" in page


def test_student_text_is_escaped(page):
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page


def test_hidden_checks_show_points_but_not_content(page, toy):
    hidden = next(c for c in toy.rubric.checks if c.visibility == "hidden")
    assert hidden.title not in page and hidden.messages.failed not in page
    assert "Hidden check 8" in page


def test_failing_cell_is_located(page):
    assert "Cell 1" in page and "ValueError" in page


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed (CI installs it)")
def test_page_renders_in_chromium(page, tmp_path: Path):
    html = tmp_path / "feedback.html"
    html.write_text(page)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=120)
    assert 'id="score"' in dom.stdout and "0 / 14" in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1000,800", html.as_uri()],
                   capture_output=True, timeout=120)
    from matplotlib.image import imread

    pixels = imread(str(shot))
    assert pixels.shape[:2] == (800, 1000)
    assert pixels.std() > 0.05  # not a blank page
