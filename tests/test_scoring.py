"""Scoring is pure: hand-written observations in, GradeResult out. No kernels, no sandbox."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.base import HostData
from grader.errors import ExitCode
from grader.i18n.text import Text
from grader.i18n.text import to_json as text_json
from grader.observations import Observations
from grader.probe.jsonvalues import encode
from grader.results import CheckStatus, GradeResult, Status, batch_exit_code
from grader.scoring import score

LABELS = {"public": np.array([0, 1, 1, 0]), "hidden": np.array([1, 1, 0, 0])}


def cell(index, status="ok", defines=(), output="", error=None):
    return {"index": index, "status": status, "defines": list(defines), "output_text": output, "error": error}


def observations(*, status="completed", cells=None, probes=None, reason=None):
    """Observations as the harness writes them; a `reason` given as a Text (grader/stopped.py) also
    travels as `reason_text`, as the harness sends it."""
    if isinstance(reason, Text):
        reason, reason_text = reason.render(), text_json(reason)
    else:
        reason_text = None
    return Observations.model_validate({
        "schema": 1, "status": status, "reason": reason, "reason_text": reason_text,
        "execution": {"cells": cells if cells is not None else [cell(0, output="accuracy score: 0.97")]},
        "probes": probes or {}, "environment": {"python": "3.11.7"}})


def good_probes(**overrides):
    probes = {
        "square#0": {"ok": True, "value": 9},
        "square#1": {"ok": True, "value": encode(np.array([1.0, 4.0]))},
        "table#0": {"ok": True, "exists": True, "type": "numpy.ndarray", "bases": ["numpy.ndarray", "builtins.object"],
                    "shape": [3, 2], "dtype": "float64", "min": 0.0, "max": 10.0},
        "scaled#0": {"ok": True, "exists": True, "type": "builtins.int", "value": 6},
        "saved#0": {"ok": True, "exists": True, "size": 10, "loads": True, "summary": "dict"},
        "public-accuracy#0": {"ok": True, "value": encode(np.array([0, 1, 1, 0]))},
        "hidden-accuracy#0": {"ok": True, "value": encode(np.array([1, 1, 0, 0]))},
    }
    probes.update(overrides)
    return probes


def grade(toy, obs, *, public_only=False, labels=LABELS, failure=None) -> GradeResult:
    return score(submission_id="s1", assignment=toy.spec, rubric=toy.rubric, checks=toy.checks(public_only=public_only),
                 params=toy.params, observations=obs, host=HostData(labels=labels), failure=failure)


def by_id(result):
    return {c.id: c for c in result.checks}


def test_all_good(toy):
    result = grade(toy, observations(probes=good_probes()))
    assert result.status is Status.GRADED
    assert result.score == 12 and result.max_score == 14 and result.pending_points == 2
    assert result.passed and result.exit_code is ExitCode.PASSED
    assert by_id(result)["review"].status is CheckStatus.PENDING


def test_metric_partial_credit_band(toy):
    three_of_four = encode(np.array([1, 1, 0, 1]))
    result = grade(toy, observations(probes=good_probes(**{"hidden-accuracy#0": {"ok": True, "value": three_of_four}})))
    hidden = by_id(result)["hidden-accuracy"]
    assert hidden.status is CheckStatus.PARTIAL and hidden.points == 1.5
    assert hidden.observed == "accuracy = 0.7500"
    assert hidden.message == "Your classifier does not generalise well enough."  # the rubric's own words
    assert "partial credit 50%" in hidden.details["explanation"]


def test_probabilities_are_argmaxed(toy):
    scores = encode(np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]]))
    result = grade(toy, observations(probes=good_probes(**{"public-accuracy#0": {"ok": True, "value": scores}})))
    assert by_id(result)["public-accuracy"].status is CheckStatus.PASSED


def test_wrong_function_value_says_what_was_expected(toy):
    result = grade(toy, observations(probes=good_probes(**{"square#1": {"ok": True, "value": encode(np.array([1.0, -4.0]))}})))
    check = by_id(result)["square"]
    assert check.status is CheckStatus.FAILED and check.points == 0
    assert "1 of 2 case(s) wrong" in check.message
    assert check.expected == "square([ 1., -2.]) = [1, 4]" or "= [1.0, 4.0]" in check.expected


def test_missing_name_points_at_the_failing_cell(toy):
    cells = [cell(0), cell(1, status="error", defines=["square"], error={"ename": "NameError", "evalue": "name 'np' is not defined"})]
    probes = good_probes(**{"square#0": {"ok": False, "error": "NameError: name 'square' is not defined in the notebook"}})
    result = grade(toy, observations(cells=cells, probes=probes))
    check = by_id(result)["square"]
    assert check.cell == 2
    assert check.message == "not run because cell 2 stopped with NameError: name 'np' is not defined"


def test_variable_problems_are_listed(toy):
    table = {"ok": True, "exists": True, "type": "builtins.list", "bases": ["builtins.list"], "shape": [2, 2],
             "dtype": "int64", "min": -1.0, "max": 3.0}
    result = grade(toy, observations(probes=good_probes(**{"table#0": table})))
    message = by_id(result)["table"].message
    for part in ("type is builtins.list, expected ndarray", "shape is [2, 2], expected [3, 2]",
                 "dtype is int64, expected float", "smallest value is -1, expected at least 0"):
        assert part in message


def test_a_nan_in_a_variable_fails_its_range(toy):
    """np.min of an array holding NaN is NaN, which compares false with everything (a diverged loss curve)."""
    table = {"ok": True, "exists": True, "type": "numpy.ndarray", "bases": ["numpy.ndarray"], "shape": [3, 2],
             "dtype": "float64", "min": encode(float("nan")), "max": encode(float("nan"))}
    message = by_id(grade(toy, observations(probes=good_probes(**{"table#0": table}))))["table"].message
    assert "smallest value is nan, expected at least 0" in message and "largest value is nan, expected at most 10" in message


def test_output_check_reports_what_was_never_printed(toy):
    result = grade(toy, observations(cells=[cell(0, output="loss 0.3")], probes=good_probes()))
    check = by_id(result)["report"]
    assert check.status is CheckStatus.FAILED
    assert "never printed: 'accuracy'" in check.message


def test_artifact_that_does_not_load(toy):
    broken = {"ok": True, "exists": True, "size": 3, "loads": False, "error": "JSONDecodeError: Expecting value"}
    result = grade(toy, observations(probes=good_probes(**{"saved#0": broken})))
    assert "does not load with json: JSONDecodeError" in by_id(result)["saved"].message


def test_executes_partial_credit(toy):
    cells = [cell(0), cell(1, status="error", error={"ename": "ZeroDivisionError", "evalue": "division by zero"}),
             cell(2), cell(3, status="skipped")]
    result = grade(toy, observations(cells=cells, probes=good_probes()))
    runs = by_id(result)["runs"]
    assert runs.status is CheckStatus.PARTIAL and runs.points == pytest.approx(0.6667)
    assert runs.cell == 2 and "ZeroDivisionError: division by zero" in runs.message
    assert result.cells == [{"number": 2, "status": "error", "source_head": "",
                             "place": {"number": 2, "execution_count": None, "code_cell": None, "code_cells": None},
                             "excerpts": [],  # no notebook given: nothing to quote (tests/test_failing_line.py)
                             "error": {"ename": "ZeroDivisionError", "evalue": "division by zero"}, "hint": None}]


def test_hidden_labels_missing_fails_only_that_check(toy):
    result = grade(toy, observations(probes=good_probes()), labels={"public": LABELS["public"]})
    assert "hidden evaluation data for this check is not available" in by_id(result)["hidden-accuracy"].details["explanation"]
    assert by_id(result)["public-accuracy"].status is CheckStatus.PASSED


def test_a_malformed_probe_value_costs_one_check(toy):
    bogus = {"ok": True, "value": {"__ndarray__": "!!!", "dtype": "<f8", "shape": [2]}}
    result = grade(toy, observations(probes=good_probes(**{"public-accuracy#0": bogus})))
    assert "could not evaluate this check" in by_id(result)["public-accuracy"].message
    assert result.status is Status.GRADED and by_id(result)["square"].status is CheckStatus.PASSED


def test_object_arrays_are_refused():
    from grader.probe.jsonvalues import decode_array

    with pytest.raises(ValueError, match="non-numeric"):
        decode_array({"__ndarray__": "", "dtype": "|O", "shape": [0]})


def test_ungradable_and_failures(toy):
    result = grade(toy, observations(status="ungradable", reason="not a notebook", cells=[]))
    assert result.status is Status.UNGRADABLE and result.exit_code is ExitCode.UNGRADABLE
    assert all(c.message == "not checked: not a notebook" for c in result.checks if c.kind != "manual")
    timeout = grade(toy, None, failure=(Status.TIMEOUT, "ran past 900 s"))
    assert timeout.status is Status.TIMEOUT and timeout.score == 0 and timeout.exit_code is ExitCode.BELOW_PASS_MARK
    error = grade(toy, None, failure=(Status.ERROR, "engine gone"))
    assert error.exit_code is ExitCode.INFRASTRUCTURE


def test_crash_keeps_points_earned_and_explains_the_rest(toy):
    cells = [cell(0), cell(1, status="error", error={"ename": "KernelDied", "evalue": "..."})]
    result = grade(toy, observations(status="crashed", reason="the kernel died while running cell 2", cells=cells))
    assert result.status is Status.CRASHED
    assert by_id(result)["runs"].points == 0.5
    assert by_id(result)["square"].message == "not run because cell 2 crashed: ..."


def test_public_only_excludes_hidden_checks(toy):
    result = grade(toy, observations(probes=good_probes()), public_only=True)
    assert "hidden-accuracy" not in by_id(result) and result.max_score == 11


def test_pass_mark_ignores_pending_manual_points(toy):
    probes = good_probes(**{"hidden-accuracy#0": {"ok": False, "error": "boom"}, "public-accuracy#0": {"ok": False, "error": "boom"}})
    result = grade(toy, observations(probes=probes))
    assert result.score == 7 and result.pending_points == 2
    assert result.passed  # 7 >= 0.5 * (14 - 2)


def test_batch_exit_code_is_the_worst(toy):
    good = grade(toy, observations(probes=good_probes()))
    low = grade(toy, observations(status="ungradable", reason="x", cells=[]))
    assert batch_exit_code([good]) is ExitCode.PASSED
    assert batch_exit_code([good, low]) is ExitCode.UNGRADABLE


def test_grade_json_round_trip(toy, tmp_path):
    result = grade(toy, observations(probes=good_probes()))
    result.write(tmp_path / "grade.json")
    import json

    loaded = GradeResult.from_dict(json.loads((tmp_path / "grade.json").read_text()))
    assert loaded == result


def test_observations_reject_non_strict_json():
    with pytest.raises(ValueError, match="malformed observations"):
        Observations.parse('{"schema": 1, "status": "completed", "probes": {"a": {"ok": true, "value": NaN}}}')
    with pytest.raises(ValueError, match="malformed observations"):
        Observations.parse('{"schema": 1, "status": "hacked"}')


def test_a_result_that_does_not_fit_the_contract_costs_one_check(toy):
    """Each probe result is validated into its typed class only when its check reads it."""
    wrong_type = {"ok": True, "exists": True, "type": "numpy.ndarray", "shape": "3x2"}
    no_verdict = {"exists": True, "size": 10, "loads": True}
    result = grade(toy, observations(probes=good_probes(**{"table#0": wrong_type, "saved#0": no_verdict})))
    checks = by_id(result)
    assert "could not evaluate this check (ContractError: DescribeResult.shape: expected list" in checks["table"].message
    assert "could not evaluate this check (ContractError: ArtifactResult: 'ok' is missing)" in checks["saved"].message
    assert result.status is Status.GRADED and checks["square"].status is CheckStatus.PASSED
    assert checks["public-accuracy"].status is CheckStatus.PASSED
