"""The feedback page in Russian: every fixed word translated, the rubric's own words untouched,
hidden checks still hidden, English still the default."""

from __future__ import annotations

import re

import pytest

from grader.errors import UsageError
from grader.report.feedback import render_feedback


@pytest.fixture(scope="module")
def crashed(toy, local_sandbox, tmp_path_factory):
    """A real result with a failing cell, partial points, a hidden and a pending check."""
    from class_support import CRASHING
    from conftest import make_notebook
    from grader.pipeline import GradingOptions, grade_notebook

    path = make_notebook(tmp_path_factory.mktemp("ru") / "lab.ipynb", CRASHING)
    return grade_notebook(toy, path, GradingOptions(sandbox=local_sandbox))


def visible_text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("</style>")[1]))


@pytest.mark.slow
def test_russian_page_translates_every_fixed_word(crashed, toy):
    page = render_feedback(crashed, toy.spec, student_view=False, lang="ru")
    text = visible_text(page)
    assert '<html lang="ru">' in page
    for english in ("Submission", "Checks", "Points", "Expected:", "Observed:", "See cell", "Hidden check",
                    "Cells that failed", "Graded by", "pass mark", "Passed"):
        assert english not in text, english
    for russian in ("Проверки", "Скрытая проверка 8", "Ячейка с кодом 2", "частично", "ожидает", "Зачтено"):
        assert russian in text, russian
    assert 'class="badge pending">ожидает<' in page and 'class="badge partial">частично<' in page
    assert "Runs end to end" in text, "the rubric's titles stay as the instructor wrote them"
    assert "Your classifier does not generalise" not in page and "held-out" not in page


@pytest.mark.slow
def test_english_stays_the_default(crashed, toy):
    assert render_feedback(crashed, toy.spec, student_view=False) == \
        render_feedback(crashed, toy.spec, student_view=False, lang="en")
    assert '<html lang="en">' in render_feedback(crashed, toy.spec, student_view=True)


def test_an_unknown_language_is_refused_clearly():
    from grader.report.jinja import environment

    with pytest.raises(UsageError, match="no language 'de'; available: en, ru"):
        environment("de")
