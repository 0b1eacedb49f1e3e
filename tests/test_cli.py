"""The `grader` command as a user runs it: real processes, real kernels, exit codes, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE_COURSE, TOY_GOOD, make_notebook, sha256

pytestmark = pytest.mark.slow


def grader(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRADER_COURSE": str(FIXTURE_COURSE), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_list_shows_title_framework_points():
    done = grader("list")
    assert done.returncode == 0
    assert "toy" in done.stdout and "numpy" in done.stdout and "14 pts" in done.stdout
    listed = json.loads(grader("list", "--json").stdout)
    assert listed == [{"id": "toy", "title": "Toy assignment for the grader's own tests", "framework": "numpy", "points": 14.0}]


def test_grade_a_batch_writes_one_folder_each_and_returns_the_worst_code(tmp_path):
    good = make_notebook(tmp_path / "alice.ipynb", TOY_GOOD)
    (tmp_path / "bob.ipynb").write_text("not a notebook")
    before = sha256(good)
    done = grader("grade", "toy", str(tmp_path), "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 3, done.stderr
    summary = json.loads(done.stdout)
    assert {r["submission_id"]: r["status"] for r in summary["results"]} == {"alice": "graded", "bob": "ungradable"}
    assert summary["statuses"] == {"graded": 1, "ungradable": 1} and summary["exit_code"] == 3
    for name in ("alice", "bob"):
        assert (tmp_path / "out" / name / "grade.json").is_file()
        assert (tmp_path / "out" / name / "feedback.html").is_file()
    assert sha256(good) == before


def test_grade_exit_codes_for_pass_and_below(tmp_path):
    good = make_notebook(tmp_path / "good.ipynb", TOY_GOOD)
    weak = make_notebook(tmp_path / "weak.ipynb", ["x = 1"])
    assert grader("grade", "toy", str(good), "--out", str(tmp_path / "o1")).returncode == 0
    done = grader("grade", "toy", str(weak), "--out", str(tmp_path / "o2"))
    assert done.returncode == 1
    assert "BELOW PASS MARK" in done.stdout


def test_usage_and_config_errors_exit_2(tmp_path):
    assert grader("grade", "nope", str(tmp_path)).returncode == 2
    assert grader("grade", "toy", str(tmp_path / "missing.ipynb")).returncode == 2
    assert grader("grade", "toy", str(tmp_path), "--sandbox", "vm").returncode == 2
    assert grader("validate").returncode == 2
    broken = tmp_path / "course"
    import shutil

    shutil.copytree(FIXTURE_COURSE, broken)
    rubric = broken / "rubrics" / "toy.yaml"
    rubric.write_text(rubric.read_text().replace("kind: output", "kind: screenshot"))
    done = subprocess.run([sys.executable, "-m", "grader", "list", "--course", str(broken)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "unknown check kind 'screenshot'" in done.stderr and "toy.yaml:" in done.stderr


def test_release_bundle_holds_nothing_hidden_and_check_works_from_it(tmp_path):
    from grader.course import load_assignment

    done = grader("release", "toy", "--out", str(tmp_path / "bundle"))
    assert done.returncode == 0, done.stderr
    bundle = tmp_path / "bundle" / "toy"
    names = sorted(p.name for p in bundle.rglob("*") if p.is_file())
    assert names == ["ENVIRONMENT.md", "README.md", "assignment.yaml", "requirements.txt", "rubric.yaml", "starter.ipynb"]
    text = "\n".join(p.read_text() for p in bundle.rglob("*") if p.is_file())
    toy = load_assignment("toy", root=FIXTURE_COURSE)
    for hidden in (c for c in toy.rubric.checks if c.visibility == "hidden"):
        assert hidden.id not in text and hidden.title not in text
        assert (hidden.messages.failed or "") not in text
    assert "hidden" not in (bundle / "assignment.yaml").read_text()
    assert json.loads((bundle / "starter.ipynb").read_text())["metadata"]["grader"]["assignment"] == "toy"

    notebook = make_notebook(tmp_path / "mine.ipynb", TOY_GOOD)
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    checked = subprocess.run([sys.executable, "-m", "grader", "check", str(bundle), str(notebook), "--out",
                              str(tmp_path / "self"), "--json"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout)
    assert {c["visibility"] for c in result["checks"]} == {"public"}
    assert result["score"] == 9 and result["max_score"] == 11
    assert (tmp_path / "self" / "feedback.html").is_file()


def test_check_refuses_a_notebook_from_another_assignment(tmp_path):
    other = make_notebook(tmp_path / "other.ipynb", TOY_GOOD, metadata={"grader": {"assignment": "mnist-mlp"}})
    done = grader("check", "toy", str(other), "--out", str(tmp_path / "o"))
    assert done.returncode == 3
    assert "made from the starter of 'mnist-mlp', not 'toy'" in done.stdout


def test_validate_proves_reference_and_known_wrong(tmp_path):
    import shutil

    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    wrong_dir = course / "reference_solutions" / "known_wrong" / "toy"
    wrong_dir.mkdir(parents=True)
    make_notebook(course / "reference_solutions" / "toy.ipynb", TOY_GOOD)
    bad_square = [*TOY_GOOD, "def square(x):\n    return x * 2"]
    make_notebook(wrong_dir / "square.ipynb", bad_square, metadata={"grader": {"expect": {"failing": ["square"]}}})
    make_notebook(wrong_dir / "lies.ipynb", bad_square, metadata={"grader": {"expect": {"failing": ["table"]}}})
    (wrong_dir / "corrupt.ipynb").write_text("{")
    (wrong_dir / "corrupt.expect.json").write_text(json.dumps({"status": "ungradable"}))
    done = subprocess.run([sys.executable, "-m", "grader", "validate", "toy", "--course", str(course)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "✓ reference: full marks (12/14)" in done.stdout
    assert "✓ square.ipynb: loses square (2 points) as declared" in done.stdout
    assert "✗ lies.ipynb: unexpectedly lost square" in done.stdout and "unexpectedly kept table" in done.stdout
    assert "✓ corrupt.ipynb: ends ungradable as declared" in done.stdout
