"""grader similarity (docs/similarity.md): a class built from mnist-mlp's starter and reference,
with disguised copies and independent solutions; behaviour from constructed predictions and from
predictions a gradebook recorded. Pure and fast, but for the gradebook test (it generates the toy's
hidden split) and the command's page opened in Chromium."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pytest

from conftest import REPO
from grader.gradebook.records import ClassEntry, Student
from grader.gradebook.store import Gradebook
from grader.results import GradeResult, Status
from grader.similarity.analysis import SimilarityReport, analyse
from grader.similarity.behaviour import compare_predictions
from grader.similarity.fingerprints import all_hashes, fingerprint
from grader.similarity.pairs import MIN_FINGERPRINTS, score_pairs
from grader.similarity.predictions import RecordedPredictions
from grader.similarity.sources import code_cells, from_paths
from grader.similarity.tokens import CodeCell, cell_tokens, notebook_tokens
from similarity_support import COPIED, INDEPENDENT, PARTIAL, STARTER, write_class

STARTER_CELLS = code_cells(STARTER.read_bytes())


def texts(source: str) -> list[str]:
    return [token.text for token in cell_tokens(0, source)]


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> dict[str, Path]:
    return write_class(tmp_path_factory.mktemp("similarity") / "inbox")


@pytest.fixture(scope="module")
def report(klass) -> SimilarityReport:
    return analyse(from_paths([klass["orig"].parent]), STARTER_CELLS, assignment="mnist-mlp")


def score(report: SimilarityReport, a: str, b: str) -> float:
    return next(p.score for p in report.pairs if {p.a, p.b} == {a, b})


# --- tokens -------------------------------------------------------------------------------------

def test_renaming_comments_docstrings_and_formatting_leave_the_tokens_unchanged():
    original = 'def area(width, height):\n    """The area."""\n    # a comment\n    return width * height  # inline\n'
    disguised = "def f(a,\n      b):\n\n    return a*\\\n        b\n"
    assert texts(original) == texts(disguised)
    assert texts("x = 1; y = 2") == texts("x = 1\ny = 2")


def test_literals_keep_their_kind_and_keywords_and_operators_stay():
    assert texts("x = 3") != texts("x = 3.0") != texts("x = 'three'")
    assert texts("x = 3") == texts("y = 70")
    assert texts("for i in x: pass") != texts("while i in x: pass")
    assert texts("a = b + c") != texts("a = b - c")


def test_ipython_syntax_tokenizes_and_a_cell_magic_body_is_its_code():
    assert texts("%matplotlib inline\n!pip install torch\nx = 1")[-4:] == texts("x = 1")
    timed = cell_tokens(3, "%%time\nfor i in range(3):\n    print(i)\n")
    assert [t.text for t in timed] == texts("for i in range(3):\n    print(i)\n")
    assert timed[0].line == 2 and timed[0].cell == 3, "lines count from the cell's own first line"


def test_a_cell_that_does_not_tokenize_keeps_what_came_before_the_fault():
    assert texts("x = compute(1,\n") == ["N", "=", "N", "(", "0", ","]


# --- fingerprints and the starter ---------------------------------------------------------------

def test_the_starter_holds_no_fingerprint_once_its_own_are_ignored():
    ignored = all_hashes(notebook_tokens(STARTER_CELLS))
    assert len(ignored) > 50
    assert len(fingerprint(notebook_tokens(STARTER_CELLS)).without(ignored).hashes) == 0


def test_fingerprints_are_the_same_in_every_process():
    tokens = notebook_tokens([CodeCell(0, PARTIAL[8])])
    here = fingerprint(tokens).hashes.tolist()
    script = ("from grader.similarity.tokens import notebook_tokens, CodeCell\n"
              "from grader.similarity.fingerprints import fingerprint\n"
              "from similarity_support import PARTIAL\n"
              "print(fingerprint(notebook_tokens([CodeCell(0, PARTIAL[8])])).hashes.tolist())")
    done = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-c", script], cwd=REPO / "tests",
                          capture_output=True, text=True, timeout=120, env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == here and here


def test_pair_scores_are_shared_over_the_smaller_side_with_a_floor():
    big, small = np.arange(100, dtype=np.uint64), np.arange(40, dtype=np.uint64)
    tiny = np.arange(3, dtype=np.uint64)
    scores = {(p.a, p.b): (p.shared, p.score) for p in score_pairs([big, small, tiny])}
    assert scores[(0, 1)] == (40, 1.0)
    assert scores[(0, 2)] == (3, 3 / MIN_FINGERPRINTS), "three fingerprints cannot make a high score"


# --- the class ----------------------------------------------------------------------------------

def test_every_copy_ranks_above_every_independent_pair(report):
    copies = [score(report, a, b) for a, b in itertools.combinations(COPIED, 2)]
    independent = [p.score for p in report.pairs if {p.a, p.b} & set(INDEPENDENT)]
    assert min(copies) > max(independent), (copies, independent)
    ranked = [{p.a, p.b} for p in report.pairs[:len(copies)]]
    assert all(pair <= set(COPIED) for pair in ranked)
    assert min(copies) >= report.threshold > max(independent), "the default threshold separates them"


def test_renamed_and_reordered_copies_keep_every_fingerprint(report):
    assert score(report, "orig", "renamed") == score(report, "orig", "reordered") == 1.0


def test_a_submission_that_is_just_the_starter_scores_nothing(report):
    starter_only = next(s for s in report.students if s.id == "starter-only")
    assert starter_only.fingerprints == 0
    assert all(p.score == 0 and p.shared == 0 for p in report.pairs if "starter-only" in (p.a, p.b))


def test_the_partial_copys_matched_region_is_the_copied_class(report):
    pair = next(p for p in report.pairs if {p.a, p.b} == {"orig", "partial"})
    largest = pair.regions[0]
    assert largest.a_cell == largest.b_cell == 6, "the model cell, on both sides"
    assert largest.a_lines[1] - largest.a_lines[0] >= 8
    assert sum(r.fingerprints for r in pair.regions if r.a_cell == 6) >= 0.8 * pair.shared


def test_the_json_lists_every_pair_best_first(report):
    document = report.to_json()
    scores = [pair["score"] for pair in document["pairs"]]
    assert len(scores) == 8 * 7 // 2 and scores == sorted(scores, reverse=True)
    first = document["pairs"][0]
    assert set(first) == {"a", "b", "score", "shared", "behaviour", "regions"} and first["behaviour"] is None
    assert first["regions"][0]["a"]["cell"] >= 0 and len(first["regions"][0]["a"]["lines"]) == 2


def test_files_that_are_not_notebooks_are_named_not_compared(tmp_path):
    (tmp_path / "anna.ipynb").write_bytes(b"\x00 not json")
    shutil.copy(STARTER, tmp_path / "ben.ipynb")
    code = from_paths([tmp_path])
    assert [s.id for s in code.submissions] == ["ben"]
    assert code.skipped[0][0] == "anna" and "not valid JSON" in code.skipped[0][1]


# --- behaviour ----------------------------------------------------------------------------------

ITEMS, CLASSES = 2000, 10


def hidden_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, how hard each input is (most easy, a few hard), and each input's likely wrong label."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, ITEMS)
    return labels, rng.beta(0.3, 3, ITEMS), (labels + rng.integers(1, CLASSES, ITEMS)) % CLASSES


def trained_model(split, accuracy: float, seed: int) -> np.ndarray:
    """An independently trained model's predictions: wrong more often on hard inputs, and then
    mostly with the input's likely wrong label, as real models are."""
    labels, difficulty, confusion = split
    rng = np.random.default_rng(seed)
    wrong = rng.random(ITEMS) < np.minimum(1, difficulty * (1 - accuracy) / difficulty.mean())
    other = (labels + rng.integers(1, CLASSES, ITEMS)) % CLASSES
    guesses = labels.copy()
    guesses[wrong] = np.where(rng.random(ITEMS) < 0.6, confusion, other)[wrong]
    return guesses


def a_class_sharing_one_model(split) -> dict[str, np.ndarray]:
    predictions = {f"independent-{i}": trained_model(split, 0.9, seed=i) for i in range(8)}
    shared = trained_model(split, 0.9, seed=99)
    predictions["giver"] = shared
    taker = shared.copy()
    retrained = np.random.default_rng(7).choice(ITEMS, 20, replace=False)  # a few answers differ
    taker[retrained] = split[0][retrained]
    predictions["taker"] = taker
    return predictions


def test_shared_predictions_are_flagged_and_independent_errors_at_equal_accuracy_are_not():
    split = hidden_split()
    predictions = a_class_sharing_one_model(split)
    accuracies = {name: float((p == split[0]).mean()) for name, p in predictions.items()}
    assert max(accuracies.values()) - min(accuracies.values()) < 0.03, "equal accuracy, so that is not the signal"
    behaviour = compare_predictions(split[0], predictions)
    copied = behaviour[("giver", "taker")]
    assert copied.flagged and copied.score > 0.9 and copied.baseline == "class"
    others = [b for pair, b in behaviour.items() if pair != ("giver", "taker")]
    assert not any(b.flagged for b in others)
    assert max(b.score for b in others) < 0.3
    assert min(b.same_wrong for b in others) > 0, "independent models do share some mistakes (hard inputs)"


def test_shared_mistakes_beyond_naive_chance_are_not_enough_in_a_class():
    """Hard inputs make independent models agree far beyond plain independence; the class baseline
    absorbs that, so the z of an independent pair stays near what the copy's is not."""
    split = hidden_split(1)
    predictions = a_class_sharing_one_model(split)
    behaviour = compare_predictions(split[0], predictions)
    pair = behaviour[("independent-0", "independent-1")]
    naive = compare_predictions(split[0], {k: predictions[k] for k in ("independent-0", "independent-1")})
    assert naive[("independent-0", "independent-1")].baseline == "independent"
    assert naive[("independent-0", "independent-1")].expected < pair.expected
    assert pair.z < behaviour[("giver", "taker")].z / 4


def test_behaviour_flags_a_pair_whose_code_differs(report, klass):
    """Two students with independent code (functional, nll) who hand in one model's predictions."""
    split = hidden_split(2)
    code = from_paths([klass["orig"].parent])
    names = [s.id for s in code.submissions]
    models = {name: trained_model(split, 0.9, seed=i) for i, name in enumerate(names)}
    models["nll"] = models["functional"].copy()
    recorded = RecordedPredictions(check="accuracy-hidden", split="hidden", labels=split[0],
                                   by_student={s.id: (s.sha256, models[s.id]) for s in code.submissions})
    with_behaviour = analyse(code, STARTER_CELLS, assignment="mnist-mlp", predictions=recorded)
    pair = next(p for p in with_behaviour.pairs if {p.a, p.b} == {"functional", "nll"})
    assert pair.score < with_behaviour.threshold and pair.behaviour is not None and pair.behaviour.flagged
    assert pair.flagged(with_behaviour.threshold) and pair.regions, "flagged by behaviour: shown in detail"
    assert [p for p in with_behaviour.pairs if p.behaviour and p.behaviour.flagged] == [pair]


def test_predictions_of_another_version_of_the_notebook_are_not_used(klass):
    code = from_paths([klass["orig"].parent])
    split = hidden_split(3)
    recorded = RecordedPredictions(check="accuracy-hidden", split="hidden", labels=split[0],
                                   by_student={s.id: ("an older submission", split[0]) for s in code.submissions})
    assert all(p.behaviour is None for p in analyse(code, STARTER_CELLS, assignment="mnist-mlp",
                                                    predictions=recorded).pairs)


# --- the gradebook ------------------------------------------------------------------------------

def observations_with(predictions: np.ndarray) -> str:
    from grader.contract import PredictResult
    from grader.probe.jsonvalues import encode

    probe = PredictResult(ok=True, value=predictions).to_json(encode=encode)
    return json.dumps({"schema": 1, "status": "completed", "probes": {"hidden-accuracy#0": probe}})


@pytest.mark.slow  # generates the toy's hidden split for its labels
def test_behaviour_comes_from_the_predictions_the_gradebook_recorded(toy, tmp_path):
    """The toy assignment's hidden-accuracy check: four students' stored observations, two of them
    with one model's predictions; the report is kept in the gradebook."""
    from grader.evaluation import evaluation_data
    from grader.similarity.session import SimilarityOptions, compare_class

    _, labels = evaluation_data(toy.spec, {"hidden"})
    truth = labels["hidden"]
    rng = np.random.default_rng(0)
    shared = np.where(rng.random(truth.size) < 0.7, truth, (truth + 1) % 2)
    students = {"ann": shared, "bob": shared.copy(),
                "cy": np.where(rng.random(truth.size) < 0.7, truth, (truth + 1) % 2),
                "dee": np.where(rng.random(truth.size) < 0.7, truth, (truth + 1) % 2),
                "eve": np.where(rng.random(truth.size) < 0.7, truth, (truth + 1) % 2)}
    path = tmp_path / "book.sqlite"
    with Gradebook.open(path) as book:
        for number, (name, predictions) in enumerate(students.items()):
            notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"answer = {number}")])
            stored = book.add_submission("toy", Student(name, name.title()), name, f"sha-{name}",
                                         nbformat.writes(notebook).encode())
            result = GradeResult(submission_id=name, assignment="toy", rubric_version=toy.rubric.version,
                                 status=Status.GRADED, score=1, max_score=1, pass_mark=0.5, checks=[])
            book.record_result(stored.id, result, observations=observations_with(predictions), probes=[])
    report, page = compare_class(SimilarityOptions(assignment=toy, paths=[], out=tmp_path / "out", gradebook=path))
    assert report.behaviour_check == "hidden-accuracy" and page.is_file()
    flagged = [(p.a, p.b) for p in report.pairs if p.behaviour is not None and p.behaviour.flagged]
    assert flagged == [("ann", "bob")]
    with Gradebook.open(path) as book:
        assert book.similarity_report("toy") == json.loads(json.dumps(report.to_json()))
        assert book.similarity_page("toy") == page.read_text(encoding="utf-8")

    from click.testing import CliRunner

    from conftest import FIXTURE_COURSE
    from grader.cli import main

    done = CliRunner().invoke(main, ["report", "--course", str(FIXTURE_COURSE), "--gradebook", str(path),
                                     "--assignment", "toy", "--out", str(tmp_path / "class")])
    assert done.exit_code == 0, done.output
    index = (tmp_path / "class" / "index.html").read_text(encoding="utf-8")
    assert '<a href="similarity.html">' in index, "the class report links the report the gradebook keeps"
    assert (tmp_path / "class" / "similarity.html").read_text(encoding="utf-8") == page.read_text(encoding="utf-8")


def test_the_class_report_links_a_similarity_report_only_when_there_is_one(toy, tmp_path):
    from grader.report.classreport import write_class_report

    result = GradeResult(submission_id="ann", assignment="toy", rubric_version=toy.rubric.version,
                         status=Status.GRADED, score=1, max_score=1, pass_mark=0.5, checks=[])
    entries = [ClassEntry(student=Student("ann", "Ann"), submission_id="ann", result=result)]
    plain = write_class_report(entries, toy, tmp_path / "plain").read_text(encoding="utf-8")
    assert "similarity.html" not in plain
    linked = write_class_report(entries, toy, tmp_path / "linked", similarity_page="<html>pairs</html>", lang="ru")
    assert '<a href="similarity.html">Отчёт о сходстве' in linked.read_text(encoding="utf-8")
    assert (tmp_path / "linked" / "similarity.html").read_text(encoding="utf-8") == "<html>pairs</html>"


# --- the command and the page (slow: Chromium) ---------------------------------------------------

PROBE = """<script>
addEventListener('load', () => {
  const svg = document.querySelector('#plot-pair-scores svg'); const box = svg.getBoundingClientRect();
  const links = [...document.querySelectorAll('a.pair-link')].map(a => {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    return target ? target.querySelectorAll('pre').length : 0;
  });
  const out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({width: box.width, height: box.height,
    shapes: svg.querySelectorAll('path, rect, use').length, links,
    overflow: document.documentElement.scrollWidth > innerWidth + 1});
  document.body.appendChild(out);
});
</script>"""


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed (CI installs it)")
def test_the_command_prints_json_and_writes_a_page_chromium_draws(klass, tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["similarity", "mnist-mlp", str(klass["orig"].parent), "--out", str(out),
                                     "--json", "--threshold", "0.3"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert {document["pairs"][0]["a"], document["pairs"][0]["b"]} <= set(COPIED)
    page = (out / "similarity.html").read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    probed = out / "probed.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2000"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True,
                         timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    seen = json.loads(found.group(1).replace("&quot;", '"'))
    assert seen["width"] > 300 and seen["height"] > 100 and seen["shapes"] > 5, seen
    assert len(seen["links"]) >= 6 and all(count >= 2 for count in seen["links"]), "each link opens its code"
    assert not seen["overflow"], "the side-by-side code stays within the page"
