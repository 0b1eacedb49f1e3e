"""Shared fixtures: a small fixture course, notebook factories, a local sandbox, a dataset cache."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
FIXTURE_COURSE = Path(__file__).resolve().parent / "fixtures" / "course"

# A correct submission for the fixture assignment `toy`: every check passes.
TOY_GOOD = [
    ("SCALE = 1", ["parameters"]),
    "import json\nimport numpy as np\n\ndef square(x):\n    return np.asarray(x) ** 2",
    "table = np.linspace(0, 10, 6).reshape(3, 2)\nscaled = 3 * SCALE",
    "data = np.load('data/blobs2d.npz')\nX, y = data['x_train'], data['y_train']\n"
    "def predict(inputs):\n    distances = ((inputs[:, None, :] - X[None, :, :]) ** 2).sum(-1)\n"
    "    return y[distances.argmin(axis=1)]\n"
    "accuracy = (predict(data['x_test']) == data['y_test']).mean()\nprint(f'accuracy score: {accuracy:.2f}')",
    "with open('result.json', 'w') as f:\n    json.dump({'accuracy': float(accuracy)}, f)",
]


def make_notebook(path: Path, cells: list, *, metadata: dict | None = None) -> Path:
    """Write a notebook; each cell is source text, or (source, tags), or ("md", text)."""
    built = []
    for cell in cells:
        if isinstance(cell, tuple) and cell[0] == "md":
            built.append(new_markdown_cell(cell[1]))
        elif isinstance(cell, tuple):
            built.append(new_code_cell(cell[0], metadata={"tags": cell[1]}))
        else:
            built.append(new_code_cell(cell))
    notebook = new_notebook(cells=built, metadata=metadata or {})
    nbformat.write(notebook, str(path))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_grader(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """`python -m grader ARGS` on this repository's course, as a user runs it (no colour codes)."""
    env = {**os.environ, "GRADER_COURSE": str(REPO), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def import_keras():
    """keras for a test module's fixture (the module is skipped without it). Test modules import
    frameworks in fixtures, never at import, so that collecting the suite costs no framework import.
    PyPI torch's Triton segfaults when it is imported after TensorFlow (torchvision.ops imports
    it), and tests run in any order (or several to a worker), so Triton is loaded first."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with contextlib.suppress(ImportError):
        import triton  # noqa: F401
    return pytest.importorskip("keras")


# Test files whose every test talks to the Docker engine (see pytest_collection_modifyitems).
DOCKER_MODULES = {"test_docker_sandbox.py", "test_docker_hygiene.py"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers that follow from what a test uses, and the order the tiers want (docs/testing.md):
    `docker` on every test in DOCKER_MODULES and every test run with the fixture param
    backend=docker (test_isolation); and the lab validations first, so that the longest tests
    start at once when workers share the tier (pytest-xdist)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if item.path.name in DOCKER_MODULES or (callspec is not None and callspec.params.get("backend") == "docker"):
            item.add_marker(pytest.mark.docker)
    items.sort(key=lambda item: item.get_closest_marker("labs") is None)  # stable: the rest keep their order


@pytest.fixture(autouse=True)
def english_by_default():
    """Each test starts in English: a command run in-process with `--lang ru` (click's CliRunner)
    sets the process's language (grader.i18n.use_language), which would leak into later tests."""
    from grader.i18n import use_language

    use_language("en")
    yield
    use_language("en")


@pytest.fixture(scope="session", autouse=True)
def dataset_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated dataset cache for the whole run, never the user's real one: $GRADER_TEST_DATA_DIR
    when set (scripts/test.sh shares one between its tiers, so datasets are generated and the sample
    judge trained once), else one folder that the pytest-xdist workers of a run share, else a fresh
    one. Sharing is safe: a cache is made to be filled by concurrent graders."""
    if os.environ.get("GRADER_TEST_DATA_DIR"):
        cache = Path(os.environ["GRADER_TEST_DATA_DIR"])
        cache.mkdir(parents=True, exist_ok=True)
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        cache = tmp_path_factory.getbasetemp().parent / "datasets"
        cache.mkdir(exist_ok=True)
    else:
        cache = tmp_path_factory.mktemp("datasets")
    mp = pytest.MonkeyPatch()
    mp.setenv("GRADER_DATA_DIR", str(cache))
    yield cache
    mp.undo()


@pytest.fixture(scope="session")
def toy():
    from grader.course import load_assignment

    return load_assignment("toy", root=FIXTURE_COURSE)


@pytest.fixture(scope="session")
def local_sandbox():
    from grader.sandbox import get_sandbox

    return get_sandbox("local")


@pytest.fixture
def grade_toy(toy, local_sandbox, tmp_path):
    """Grade a list of cells (or a ready file) as a `toy` submission; returns the GradeResult."""
    from grader.pipeline import GradingOptions, grade_notebook

    def grade(cells_or_path, *, public_only: bool = False, out: Path | None = None):
        path = cells_or_path if isinstance(cells_or_path, Path) else make_notebook(tmp_path / "submission.ipynb", cells_or_path)
        run = GradingOptions(sandbox=local_sandbox, public_only=public_only, out_dir=out)
        return grade_notebook(toy, path, run)

    return grade
