"""Golden files, as nbclient and otter keep theirs: grade.json and feedback.html (in English and in
Russian) of fixed `toy` submissions, graded for real and compared with tests/golden/ exactly, after
`normalise` has replaced what legitimately differs between two runs.

When they differ the test prints a unified diff. If the change is intended, accept it with
    GRADER_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
and review the rewritten files in `git diff` like any other change (docs/testing.md)."""

from __future__ import annotations

import difflib
import html
import json
import os
import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, TOY_GOOD, make_notebook

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("GRADER_UPDATE_GOLDEN") == "1"
LANGS = ("en", "ru")
HIDDEN_SEED = 20261127  # the hidden split is drawn from this, not from a new secret seed, so its accuracy is fixed

# The submissions, as cells. The notebooks themselves are committed beside the golden files (a file
# written at test time would get new cell ids, so a new sha256, on every run); test_the_committed_
# notebooks_are_these_cells keeps the two in step.
SUBMISSIONS = {
    "toy-correct": TOY_GOOD,
    # a failing cell (partial `runs`) and a wrong answer (square doubles); the rest still earns its points
    "toy-partial": [TOY_GOOD[0], "import json\nimport numpy as np\n\ndef square(x):\n    return np.asarray(x) * 2",
                    "raise ValueError('my model is not ready')", *TOY_GOOD[2:]],
}

VARIES = "<varies>"


def normalise(grade: dict, page: str) -> tuple[dict, str]:
    """grade.json (as parsed) and feedback.html with what legitimately differs between two gradings
    of the same file replaced by VARIES; everything else is compared exactly.

    - timings: the seconds this run took (the keys stay: which phases are timed is compared);
    - peak_memory_mb: what this machine measured;
    - environment: the Python and framework versions and the device the kernel had (the keys
      stay), in grade.json and where the feedback page prints them;
    - absolute paths under the temporary folder or the repository, should a message carry one.

    sha256 is compared exactly: the submissions are committed files, not written by nbformat."""
    grade = json.loads(json.dumps(grade))
    grade["timings"] = dict.fromkeys(grade.get("timings", {}), VARIES)
    if grade.get("peak_memory_mb") is not None:
        grade["peak_memory_mb"] = VARIES
    for key, value in grade.get("environment", {}).items():
        for label in environment_labels(key):
            page = page.replace(f"{label} {html.escape(str(value))}", f"{label} {html.escape(VARIES)}")
        grade["environment"][key] = VARIES
    text = _paths(json.dumps(grade, indent=2, ensure_ascii=False))
    return json.loads(text), _paths(page)


def environment_labels(key: str) -> set[str]:
    """The words a page prints an environment fact under, in every language ("device", "устройство")."""
    from grader.i18n import language, languages
    from grader.report.words import ENVIRONMENT

    return {key} | ({ENVIRONMENT[key].render(language(code)) for code in languages()} if key in ENVIRONMENT else set())


def _paths(text: str) -> str:
    for root, name in ((tempfile.gettempdir(), "<tmp>"), (str(REPO), "<repo>")):
        text = re.sub(re.escape(root) + r"/[^\s\"'<>&]*", name + "/...", text)
    return text


@pytest.fixture(scope="module")
def hidden_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset cache whose blobs2d hidden split comes from HIDDEN_SEED (docs/datasets.md: the
    seed file beside the split; the public splits have fixed seeds everywhere)."""
    from grader.datasets import get_provider

    cache = tmp_path_factory.mktemp("golden-data")
    seed = get_provider("blobs2d").hidden_dir(cache) / "seed"
    seed.write_text(str(HIDDEN_SEED))
    seed.chmod(0o600)
    return cache


@pytest.fixture(scope="module")
def graded(toy, local_sandbox, hidden_cache, tmp_path_factory) -> dict:
    """{(submission, lang): (grade.json as parsed, feedback.html)}, each graded once per language."""
    from grader.pipeline import GradingOptions, grade_notebook

    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        for name, cells in SUBMISSIONS.items():
            path = GOLDEN / f"{name}.ipynb"
            if not path.exists() or notebook_cells(path) != expected_cells(cells):
                make_notebook(path, cells)
    outputs = {}
    for name in SUBMISSIONS:
        for lang in LANGS:
            out = tmp_path_factory.mktemp(f"{name}-{lang}")
            run = GradingOptions(sandbox=local_sandbox, out_dir=out, data_cache=hidden_cache, lang=lang)
            grade_notebook(toy, GOLDEN / f"{name}.ipynb", run)
            outputs[name, lang] = (json.loads((out / "grade.json").read_text(encoding="utf-8")),
                                   (out / "feedback.html").read_text(encoding="utf-8"))
    return outputs


def compare(path: Path, actual: str) -> None:
    """actual against the golden file at path, or rewrite it under GRADER_UPDATE_GOLDEN=1."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            fromfile=f"{path.relative_to(REPO)} (golden)", tofile="this run"))
        pytest.fail(f"{path.relative_to(REPO)} differs from this run:\n{diff}\n"
                    "If the change is intended: GRADER_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py, "
                    "then review and commit the files (docs/testing.md).", pytrace=False)


@pytest.mark.slow  # real kernels
@pytest.mark.parametrize("name", SUBMISSIONS)
def test_grade_json_is_the_golden_one_in_either_language(graded, name):
    grades = {lang: normalise(*graded[name, lang])[0] for lang in LANGS}
    assert grades["ru"] == grades["en"], "the page's language changed grade.json"
    compare(GOLDEN / name / "grade.json", json.dumps(grades["en"], indent=2, ensure_ascii=False) + "\n")


@pytest.mark.slow  # real kernels
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", SUBMISSIONS)
def test_feedback_page_is_the_golden_one(graded, name, lang, toy):
    page = normalise(*graded[name, lang])[1]
    if lang != "en":  # no English of the grader's own on the page (tests/i18n_support.py)
        from i18n_support import untranslated

        rubric = {toy.spec.title} | {check.title for check in toy.rubric.checks if isinstance(check.title, str)}
        assert untranslated(page, lang, instructors=rubric) == []
    compare(GOLDEN / name / f"feedback.{lang}.html", page)


def notebook_cells(path: Path) -> list[tuple[str, list]]:
    return [(cell.source, cell.metadata.get("tags", [])) for cell in nbformat.read(path, as_version=4).cells]


def expected_cells(cells: list) -> list[tuple[str, list]]:
    return [(cell[0], cell[1]) if isinstance(cell, tuple) else (cell, []) for cell in cells]


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_the_committed_notebooks_are_these_cells(name):
    assert notebook_cells(GOLDEN / f"{name}.ipynb") == expected_cells(SUBMISSIONS[name])


def test_normalise_keeps_what_is_compared():
    grade = {"score": 9.5, "timings": {"total": 1.5}, "peak_memory_mb": 51.2, "environment": {"python": "3.11.7"},
             "message": f"wrote {tempfile.gettempdir()}/grader-sandbox-1/out.json", "sha256": "ab"}
    page = "<footer>python 3.11.7</footer>"
    normal, normal_page = normalise(grade, page)
    assert normal == {"score": 9.5, "timings": {"total": VARIES}, "peak_memory_mb": VARIES,
                      "environment": {"python": VARIES}, "message": "wrote <tmp>/...", "sha256": "ab"}
    assert normal_page == f"<footer>python {html.escape(VARIES)}</footer>"
