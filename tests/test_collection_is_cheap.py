"""Collecting the suite imports no deep-learning framework and no scikit-learn: collection runs on
every pytest start, in every xdist worker, whatever `-m` selects (docs/testing.md). Test modules
import them in fixtures or inside the tests that use them."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO

HEAVY = ("torch", "torchvision", "tensorflow", "keras", "albumentations", "triton", "sklearn")

SCRIPT = f"""\
import sys
import pytest

code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "tests"])
print("imported:", sorted(name for name in {HEAVY!r} if name in sys.modules))
sys.exit(code)
"""


def test_collecting_the_suite_imports_no_framework():
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"collection failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    assert done.stdout.splitlines()[-1] == "imported: []", \
        f"{done.stdout.splitlines()[-1]}: a test module imports it at import time; import it in a fixture"
