"""Which backend runs a notebook: `grade` isolates or refuses (unless the instructor names the
unisolated backend), `check` falls back to unisolated for a student's own notebook and says so.
"Namespaces unavailable" is made real by running the CLI with a PATH that has no bwrap."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE_COURSE, TOY_GOOD, make_notebook
from grader.errors import ExitCode

pytestmark = pytest.mark.slow

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (scripts/install-bubblewrap.sh)")


def grader(*args: str, cwd: Path, without_bwrap: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRADER_COURSE": str(FIXTURE_COURSE), "NO_COLOR": "1"}
    if without_bwrap:
        bare = cwd / "bin-without-bwrap"
        bare.mkdir(exist_ok=True)
        env["PATH"] = str(bare)
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def test_grade_refuses_to_run_a_class_unisolated_unless_named(tmp_path):
    notebook = make_notebook(tmp_path / "anna.ipynb", TOY_GOOD)
    refused = grader("grade", "toy", str(notebook), "--out", "out", cwd=tmp_path, without_bwrap=True)
    assert refused.returncode == ExitCode.INFRASTRUCTURE, refused.stderr
    assert "bubblewrap" in refused.stderr and "--sandbox unisolated" in refused.stderr
    assert "apt-get install bubblewrap" in refused.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "gradebook.sqlite").exists()

    named = grader("grade", "toy", str(notebook), "--out", "out", "--sandbox", "unisolated", cwd=tmp_path,
                   without_bwrap=True)
    assert named.returncode == ExitCode.BELOW_PASS_MARK or named.returncode == ExitCode.PASSED, named.stderr
    grade = json.loads((tmp_path / "out" / "anna" / "grade.json").read_text())
    assert grade["status"] == "graded" and grade["score"] == 12
    assert any("unisolated sandbox" in note for note in grade["notes"])


def test_self_check_without_namespaces_runs_unisolated_and_says_so(tmp_path):
    notebook = make_notebook(tmp_path / "mine.ipynb", TOY_GOOD)
    done = grader("check", "toy", str(notebook), "--out", "check", cwd=tmp_path, without_bwrap=True)
    assert done.returncode == ExitCode.PASSED, done.stderr
    assert "note: running unisolated" in done.stderr and "bubblewrap" in done.stderr
    grade = json.loads((tmp_path / "check" / "grade.json").read_text())
    assert any("unisolated sandbox" in note for note in grade["notes"])


@needs_bwrap
def test_self_check_with_namespaces_is_isolated(tmp_path):
    notebook = make_notebook(tmp_path / "mine.ipynb", TOY_GOOD)
    done = grader("check", "toy", str(notebook), "--out", "check", cwd=tmp_path)
    assert done.returncode == ExitCode.PASSED, done.stderr
    assert "unisolated" not in done.stderr
    grade = json.loads((tmp_path / "check" / "grade.json").read_text())
    assert not any("unisolated" in note for note in grade["notes"])


def test_local_is_the_former_name_of_the_default_backend():
    from grader.sandbox import DEFAULT_SANDBOX, available_sandboxes

    assert DEFAULT_SANDBOX == "namespaces"
    assert {"namespaces", "docker", "unisolated", "local"} <= set(available_sandboxes())
