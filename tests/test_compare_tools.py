"""benchmarks/compare_tools.py cannot rot: its smoke path (the floor and `grader grade --sandbox
local`, one run over two submissions of each notebook) builds both assignments, grades them with
full marks (the script stops otherwise) and prints the table. No PyPI installs: otter and nbgrader
are left out."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real kernels, the floor and the grader, several notebooks

REPO = Path(__file__).resolve().parents[1]


def test_smoke_run_of_floor_and_grader_prints_a_row_per_runner_and_notebook(tmp_path):
    table = tmp_path / "table.md"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "compare_tools.py"), "--runs", "1",
                           "--submissions", "2", "--tools", "floor,grader-namespaces", "--no-warmup",
                           "--venvs", str(tmp_path / "no-venvs"), "--out", str(table)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    text = table.read_text()
    for kind in ("numpy", "mlp"):
        for runner in ("bare nbclient (floor)", "grader grade --sandbox namespaces"):
            row = re.search(rf"^\| {kind} \| {re.escape(runner)} \| ([0-9.]+) \|.*\| ([0-9.]+) \|$", text, re.M)
            assert row and float(row.group(1)) > 0, f"no timing for {runner} on {kind}:\n{text}"
    assert re.search(r"^\| numpy \| bare nbclient \(floor\) \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 1\.00 \|", text, re.M)
    assert not (tmp_path / "no-venvs").exists(), "the smoke path must not install otter or nbgrader"
    assert "load average" in text and "cores" in text
