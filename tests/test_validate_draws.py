"""`grader validate --draws N` proves a lab on N hidden splits, each notebook run once: the cache's
hidden split and fresh ones drawn as a new cache would draw them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_validate_over_three_fresh_hidden_draws():
    done = subprocess.run([sys.executable, "-m", "grader", "validate", "nn-basics", "--draws", "3"],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reference: full marks (14/14), on all 3 draws" in done.stdout
    assert "hidden metrics over 3 draws" in done.stdout
    spread = re.search(r"reference accuracy-hidden: accuracy ([0-9.]+) ± ([0-9.]+) \(min ([0-9.]+), max ([0-9.]+)\)",
                       done.stdout)
    assert spread, done.stdout
    low, high = float(spread.group(3)), float(spread.group(4))
    assert low < high  # three different hidden splits, not the cache's one three times
