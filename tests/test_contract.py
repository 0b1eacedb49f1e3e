"""The probe contract (grader/contract): typed requests and results, their JSON, and the strictness
that makes a mismatch between host and kernel an error that says what is wrong."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import typing

import numpy as np
import pytest

from grader import contract
from grader.contract import (
    BestRow,
    CallRequest,
    CellRecord,
    CellStatus,
    ContractError,
    CountColumns,
    DescribeRequest,
    DescribeResult,
    Execution,
    InputSpec,
    ModelBuild,
    ParameterCount,
    PipelineStep,
    PredictResult,
    ProbeRequest,
    ProbeResult,
    Reevaluation,
    TableRequest,
    TableResult,
    TransformsResult,
    request_from_json,
    result_from_json,
)
from grader.probe.jsonvalues import decode, encode

EXAMPLES: list[ProbeRequest] = [
    contract.CallRequest(id="f#0", name="square", args=[3, encode(np.arange(3.0))], kwargs={"k": 1}),
    contract.DescribeRequest(id="v#0", name="table"),
    contract.PredictRequest(id="m#0", callable="predict", inputs="eval/hidden.npy"),
    contract.SampleRequest(id="sample:abc", callable="sample", n=200, kwargs={"arch": "dcgan"}),
    contract.ArtifactRequest(id="a#0", path="model.pt", loader="torch"),
    contract.EnvironmentRequest(id="__environment__"),
    contract.ModelRequest(id="model:1", build=ModelBuild(class_name="MLP", args=[[64, 32]]),
                          input_specs=[InputSpec(shape=[784]), InputSpec(shape=[10], dtype="int64")], batch=4),
    contract.ModelRequest(id="model:2", name="model", mode="eval"),
    contract.GradcheckRequest(id="g#0", name="MyConv", input_shapes=[[1, 3, 8, 8]], init_args=[3], eps=1e-5),
    contract.TableRequest(id="t#0", name="results", values=["model"],
                          parameter_counts=CountColumns(model_column="model", count_column="params"),
                          reevaluate=BestRow(models="models", key="name", column="acc", pick="max"),
                          inputs="eval/public.npy"),
    contract.ReloadRequest(id="r#0", path="m.pt", model="loaded", original="model", callable="predict",
                           inputs="eval/public.npy"),
    contract.TransformsRequest(id="x#0", name="train_aug"),
    contract.NamesRequest(id="__names__"),
]


def test_every_operation_has_an_example_and_a_result_class():
    assert {type(r).op for r in EXAMPLES} == set(contract.REQUESTS)
    assert all(issubclass(cls.Result, ProbeResult) for cls in contract.REQUESTS.values())


@pytest.mark.parametrize("request_", EXAMPLES, ids=lambda r: r.id)
def test_requests_survive_json(request_):
    data = json.loads(json.dumps(request_.to_json(), allow_nan=False))
    assert list(data)[:2] == ["id", "op"] and data["op"] == type(request_).op
    assert None not in data.values()  # absent, not null: job.json keeps the shape it always had
    assert request_from_json(data) == request_


def test_request_json_keeps_its_wire_names():
    assert EXAMPLES[6].to_json() == {"id": "model:1", "op": "model", "build": {"class": "MLP", "args": [[64, 32]],
                                     "kwargs": {}}, "mode": "train", "input_specs": [{"shape": [784]},
                                     {"shape": [10], "dtype": "int64"}], "batch": 4}
    assert DescribeRequest(id="v#0", name="x").to_json() == {"id": "v#0", "op": "describe", "name": "x"}


@pytest.mark.parametrize("data, message", [
    ({"id": "a", "op": "shell", "cmd": "rm -rf /"}, "unknown probe operation 'shell' (known: artifact, call,"),
    ({"id": "a", "name": "x"}, "unknown probe operation None"),
    ({"id": "a", "op": "describe"}, "DescribeRequest: 'name' is missing"),
    ({"id": "a", "op": "describe", "name": 3}, "DescribeRequest.name: expected str, got int"),
    ({"id": "a", "op": "describe", "name": "x", "shape": [1]}, "DescribeRequest: unknown field(s) shape"),
    ({"id": "a", "op": "model", "input_specs": [{"shape": ["x"]}]},
     "ModelRequest.input_specs[0].shape[0]: expected int"),
    ({"id": "a", "op": "table", "name": "t", "reevaluate": {"models": "m", "key": "k", "column": "c", "pick": "best"}},
     "TableRequest.reevaluate.pick: expected Literal['min', 'max'], got str"),
    (["describe"], "a probe request is an object, not list"),
])
def test_requests_that_do_not_fit_the_contract_say_why(data, message):
    with pytest.raises(ContractError) as raised:
        request_from_json(data)
    assert message in str(raised.value)


def test_relocated_moves_only_evaluation_inputs():
    moved = [r.relocated(lambda path: "/sandbox/" + path) for r in EXAMPLES]
    assert [getattr(r, "inputs", None) for r in moved] == [
        None, None, "/sandbox/eval/hidden.npy", None, None, None, None, None, None, "/sandbox/eval/public.npy",
        "/sandbox/eval/public.npy", None, None]
    assert TableRequest(id="t", name="t").relocated(str.upper).inputs is None


RESULTS = [cls.Result for cls in contract.REQUESTS.values()]


@pytest.mark.parametrize("kind", RESULTS, ids=lambda cls: cls.__name__)
def test_every_result_can_fail_and_every_optional_field_defaults_to_none(kind):
    failed = kind.failed("NameError: name 'x' is not defined")
    assert failed.to_json().items() >= {"ok": False, "error": "NameError: name 'x' is not defined"}.items()
    assert ProbeResult.failed("boom").to_json() == {"ok": False, "error": "boom"}  # what the harness writes
    assert result_from_json(kind, failed.to_json(), decode=decode) == failed
    for cls in (kind, ParameterCount, Reevaluation, PipelineStep):
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if type(None) in typing.get_args(hints[field.name]):
                assert field.default is None, f"{cls.__name__}.{field.name}: to_json leaves None out"


def test_results_carry_python_values_across_the_strict_json_encoding():
    described = DescribeResult(ok=True, exists=True, type="numpy.ndarray", bases=["numpy.ndarray"], shape=[2, 2],
                               dtype="float64", min=float("nan"), max=3.0, value=np.array([[np.nan, 1], [2, 3]]))
    text = json.dumps(described.to_json(encode=encode), allow_nan=False)
    back = result_from_json(DescribeResult, json.loads(text), decode=decode)
    assert np.isnan(back.min) and back.max == 3.0 and back.shape == [2, 2]
    np.testing.assert_array_equal(back.value, described.value)
    table = TableResult(ok=True, type="pandas.DataFrame", table=True, rows=2, columns=["a"], distinct={"a": 2},
                        parameter_counts=[ParameterCount(model="m", stated=10.0, counted=10)],
                        reevaluation=Reevaluation(key="m", reported=0.5, predictions=np.arange(4)))
    back_table = result_from_json(TableResult, json.loads(json.dumps(table.to_json(encode=encode))), decode=decode)
    np.testing.assert_array_equal(back_table.reevaluation.predictions, np.arange(4))
    assert back_table.parameter_counts == table.parameter_counts


def test_untrusted_results_are_checked_field_by_field():
    assert result_from_json(PredictResult, {"ok": True, "value": 3, "surprise": 1}).value == 3  # extra keys ignored
    for data, message in [
        ({"value": 1}, "PredictResult: 'ok' is missing"),
        ({"ok": "yes"}, "PredictResult.ok: expected bool, got str"),
        ({"ok": True, "value": {"__ndarray__": "!!!", "dtype": "<f8", "shape": [2]}}, "PredictResult.value: "),
        ({"ok": True, "value": {"__ndarray__": "", "dtype": "|O", "shape": [0]}}, "non-numeric array dtype"),
    ]:
        with pytest.raises(ContractError, match=message):
            result_from_json(PredictResult, data, decode=decode)
    with pytest.raises(ContractError, match=r"TransformsResult.steps\[0\]: 'library' is missing"):
        result_from_json(TransformsResult, {"ok": True, "steps": [{"name": "Blur", "depth": 0, "active": True}]})
    with pytest.raises(ContractError, match=r"TableResult.reevaluation.reported: expected float, got str"):
        result_from_json(TableResult, {"ok": True, "reevaluation": {"reported": "0.9"}})


def test_cell_records_and_statuses():
    cell = CellRecord(index=2, status=CellStatus.ERROR, defines=["f"], error={"ename": "E", "evalue": "v"})
    assert cell.number == 3 and cell.status == "error" and f"{cell.status}" == "error"
    execution = Execution(cells=[cell, CellRecord(index=3, status=CellStatus.SKIPPED)])
    assert execution.code_cells == [cell] and execution.defining("f") is cell
    assert contract.to_json(cell)["status"] == "error"
    assert contract.from_json(CellRecord, contract.to_json(cell)) == cell
    with pytest.raises(ContractError, match="CellRecord.status: expected CellStatus"):
        contract.from_json(CellRecord, {"index": 0, "status": "exploded"})


def test_the_contract_imports_nothing_heavy():
    """It is imported inside the student's kernel, before any student code."""
    code = ("import sys, grader.contract, grader.probe.runtime; "
            "print(sorted(m for m in ('numpy', 'pydantic', 'torch', 'pandas') if m in sys.modules))")
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"


def test_calls_keep_rubric_arguments_in_wire_form():
    """Arguments are authored on the host in the strict-JSON encoding; the kernel decodes them."""
    request = CallRequest(id="f#0", name="f", args=[encode(np.array([1.0, 2.0]))])
    assert request_from_json(json.loads(json.dumps(request.to_json()))).args[0]["dtype"] == "<f8"


# ---- across the boundary: job.json, the gradebook ---------------------------------------------------


def test_job_json_carries_the_requests_and_the_harness_makes_inputs_absolute(tmp_path):
    from grader.harness.job import HarnessJob

    job = HarnessJob(assignment="lab", probes=EXAMPLES)
    written = json.loads(job.write(tmp_path).read_text())
    assert written["probes"] == [request.to_json() for request in EXAMPLES]
    read = HarnessJob.read(tmp_path / "job.json")
    assert read.probes == EXAMPLES
    relocated = {r.id: getattr(r, "inputs", None) for r in read.kernel_probes()}
    assert relocated["m#0"] == str(tmp_path.resolve() / "eval/hidden.npy") and relocated["f#0"] is None


def test_the_gradebook_keeps_the_requests_and_forgets_what_it_cannot_read(tmp_path):
    """Re-scoring compares the stored requests with the current plan; requests an older grader
    stored that this one cannot read count as none (a new run)."""
    from grader.gradebook.records import Student
    from grader.gradebook.store import Gradebook
    from grader.results import GradeResult, Status

    result = GradeResult(submission_id="s", assignment="lab", rubric_version=1, status=Status.GRADED, score=0,
                         max_score=1, pass_mark=0.5, checks=[])
    with Gradebook.open(tmp_path / "book.sqlite") as book:
        first = book.add_submission("lab", Student(id="anna", name="Anna"), "anna", "sha-1", b"{}")
        book.record_result(first.id, result, observations="{}", probes=EXAMPLES)
        assert book.stored_result(first.id).probes == EXAMPLES
        book._db.execute("UPDATE results SET probes_json=? WHERE submission=?",
                         (json.dumps([{"id": "x", "op": "retired-operation"}]), first.id))
        assert book.stored_result(first.id).probes is None
