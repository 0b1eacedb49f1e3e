"""Translation (grader/i18n, docs/reports.md Languages): texts kept as data until rendered,
grade.json language-neutral (English plus what re-renders it), the instructor's text by language,
the catalogs complete, and the language a command speaks."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from conftest import REPO
from grader.i18n import (
    ENGLISH,
    N_,
    N_plural,
    Variants,
    environment_language,
    from_json,
    join,
    language,
    languages,
    to_json,
)
from grader.i18n.catalog import LOCALE_DIR, UnknownLanguage
from grader.results import CheckResult, CheckStatus, GradeResult, Status
from grader.spec.rubric import Check


@pytest.fixture(scope="module")
def ru():
    return language("ru")


def test_a_text_renders_in_english_by_default_and_in_russian_with_values_untouched(ru):
    text = N_("not checked: {reason}", reason=N_("'{name}' is not defined in the notebook", name="predict"))
    assert str(text) == "not checked: 'predict' is not defined in the notebook"
    assert text.render(ru) == "не проверено: 'predict' не определена в ноутбуке"
    numbers = N_("{points:g} of {max_points:g} points from the instructor", points=1.5, max_points=2)
    assert numbers.render(ru) == "1.5 из 2 баллов от преподавателя"


def test_plural_forms_follow_the_language(ru):
    def cells(clean, n):
        return N_plural("{clean} of {n} code cell ran without errors", "{clean} of {n} code cells ran without errors",
                        n=n, clean=clean)
    assert str(cells(1, 1)) == "1 of 1 code cell ran without errors"
    assert str(cells(3, 5)) == "3 of 5 code cells ran without errors"
    assert cells(3, 5).render(ru) == "без ошибок выполнено ячеек с кодом: 3 из 5"


def test_joined_texts_and_lists_render_each_part_in_the_language(ru):
    joined = join([N_("contains NaN"), "a value as it is", N_("no steps")])
    assert str(joined) == "contains NaN; a value as it is; no steps"
    assert joined.render(ru) == "содержит NaN; a value as it is; шагов нет"
    listed = N_("closest names it defines: {closest}", closest=["`a`", N_("a function")])
    assert listed.render(ru) == "ближайшие из определённых в нём имён: `a`, функция"


def test_json_round_trip_keeps_msgid_params_plural_variants_and_joins():
    texts = [N_("'{name}' is {value}", name="x", value=3),
             N_plural("{clean} of {n} code cell ran without errors", "{clean} of {n} code cells ran without errors",
                      n=2, clean=1),
             Variants({"en": "Accuracy", "ru": "Точность"}),
             Variants({"en": "Keras {version[keras]} has {thing}", "ru": "Keras {version[keras]}: {thing}"},
                      {"version": {"keras": "3.1"}, "thing": N_("a tensor")}),
             join([N_("contains NaN"), "x"], ", ")]
    for text in texts:
        assert from_json(json.loads(json.dumps(to_json(text)))) == text


def test_numpy_values_become_plain_numbers():
    import numpy as np

    text = N_("{n} in '{name}'", n=np.int64(3), name="boxes")
    assert type(text.params["n"]) is int and json.dumps(to_json(text))


def result_with_texts() -> GradeResult:
    check = CheckResult(id="c", title="Accuracy", kind="metric", visibility="public", points=0.0, max_points=1.0,
                        status=CheckStatus.FAILED, message="not checked: 'predict' is not defined in the notebook",
                        details={"explanation": "x"},
                        texts={"title": Variants({"en": "Accuracy", "ru": "Точность"}),
                               "message": N_("not checked: {reason}",
                                             reason=N_("'{name}' is not defined in the notebook", name="predict")),
                               "details/explanation": N_("contains NaN")})
    return GradeResult(submission_id="s", assignment="a", rubric_version=1, status=Status.GRADED, score=0.0,
                       max_score=1.0, pass_mark=0.5, checks=[check], message="the run ended early",
                       texts={"message": N_("the run ended early")})


def test_grade_json_keeps_english_and_what_renders_it_again(ru):
    result = result_with_texts()
    data = json.loads(json.dumps(result.to_dict()))
    check = data["checks"][0]
    assert check["message"] == "not checked: 'predict' is not defined in the notebook"  # schema-compatible
    assert check["texts"]["message"]["msgid"] == "not checked: {reason}"
    assert check["texts"]["title"] == {"variants": {"en": "Accuracy", "ru": "Точность"}}
    again = GradeResult.from_dict(data)
    assert again == result
    russian = again.localized(ru)
    assert russian.message == "запуск завершился раньше времени"
    assert russian.checks[0].title == "Точность"
    assert russian.checks[0].message == "не проверено: 'predict' не определена в ноутбуке"
    assert russian.checks[0].details == {"explanation": "содержит NaN"}
    assert again.localized(ENGLISH).checks[0].message == check["message"]


def test_a_grade_json_without_texts_still_loads_and_reads_as_it_is(ru):
    data = result_with_texts().to_dict()
    del data["texts"]
    for check in data["checks"]:
        del check["texts"]
    old = GradeResult.from_dict(data)
    assert old.localized(ru).checks[0].message == "not checked: 'predict' is not defined in the notebook"


def check(**fields) -> Check:
    return Check.model_validate({"id": "c", "kind": "executes", "points": 1, **fields})


def test_rubric_text_is_a_string_or_one_per_language():
    assert check(title="Runs").title == "Runs"
    titled = check(title={"ru": "Выполняется", "en": "Runs"}, messages={"fail": {"en": "Fix it", "ru": "Исправьте"}})
    assert isinstance(titled.title, Variants) and titled.title.default == "Выполняется"  # the first is the default
    assert titled.title.render(language("ru")) == "Выполняется" and titled.title.render(ENGLISH) == "Runs"
    only_ru = check(title={"ru": "Выполняется"})
    assert only_ru.title.render(ENGLISH) == "Выполняется"  # a missing language falls back to the first
    dumped = titled.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    assert dumped["title"] == {"ru": "Выполняется", "en": "Runs"} and dumped["messages"]["fail"]["ru"] == "Исправьте"


@pytest.mark.parametrize("title, complaint", [({"EN": "Runs"}, "not a language code"), ({}, "at least one language"),
                                              ({"en": ""}, "non-empty"), (["Runs"], "a mapping of language"),
                                              ("  ", "empty text")])
def test_a_bad_rubric_text_is_refused_with_what_is_wrong(title, complaint):
    with pytest.raises(ValidationError, match=complaint):
        check(title=title)


def test_scoring_keeps_the_rubric_default_and_every_language():
    from grader.checks.base import Outcome
    from grader.scoring import to_result

    result = to_result(check(title={"en": "Runs", "ru": "Выполняется"}, messages={"fail": {"en": "Fix", "ru": "Исправьте"}}),
                       Outcome.failed(N_("contains NaN")))
    assert (result.title, result.message, result.details["explanation"]) == ("Runs", "Fix", "contains NaN")
    russian = result.localized(language("ru"))
    assert (russian.title, russian.message, russian.details["explanation"]) == ("Выполняется", "Исправьте", "содержит NaN")


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "ru_RU.UTF-8"}, "ru"), ({"LC_ALL": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
    ({"LC_ALL": "C", "LANG": "ru_RU.UTF-8"}, "en"), ({"LANG": "de_DE.UTF-8"}, "en"), ({}, "en"),
    ({"LC_MESSAGES": "ru_RU", "LANG": "en_GB"}, "ru")])
def test_the_default_language_comes_from_the_environment(environ, expected):
    assert environment_language(environ) == expected


def test_an_unknown_language_is_refused_with_those_there_are():
    assert languages() == ("en", "ru")
    with pytest.raises(UnknownLanguage, match="no language 'de'; available: en, ru"):
        language("de")


def test_every_msgid_has_a_russian_translation_with_its_placeholders():
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file)
    entries = [message for message in catalog if message.id]
    assert len(entries) > 150
    for message in entries:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy and all(s.strip() for s in strings), message.id


def test_the_catalogs_are_those_of_the_sources():
    """The same check scripts/test.sh runs: messages.pot holds the sources' msgids, the .po the
    same, every entry translated, the .mo compiled from the .po."""
    import runpy

    catalogs = runpy.run_path(str(REPO / "scripts" / "catalogs.py"))
    assert catalogs["check"]() == []


def test_every_bundled_rubric_and_known_break_speaks_russian():
    import yaml

    for path in sorted((REPO / "rubrics").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text())["checks"]:
            texts = [entry["title"], *(entry.get("messages") or {}).values()]
            assert all(isinstance(t, dict) and t.get("ru") and t.get("en") for t in texts), (path.name, entry["id"])
    from grader.breaks import built_in_breaks

    for entry in built_in_breaks():
        assert isinstance(entry.hint, Variants) and set(entry.hint.texts) == {"en", "ru"}, entry.id
