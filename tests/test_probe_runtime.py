"""grader.probe.runtime in-process: a request's JSON in, the typed operation run against a
namespace, its result's strict JSON out (the kernel side of grader/contract)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from grader.contract import (
    ArtifactRequest,
    CallRequest,
    DescribeRequest,
    DescribeResult,
    EnvironmentRequest,
    PredictRequest,
    PredictResult,
    ProbeRequest,
    SampleRequest,
    TableRequest,
    result_from_json,
)
from grader.probe.jsonvalues import decode, encode
from grader.probe.runtime import run_request


def run(request: ProbeRequest | dict, namespace: dict, tmp_path) -> dict:
    path = tmp_path / "result.json"
    data = request.to_json() if isinstance(request, ProbeRequest) else request
    run_request(json.loads(json.dumps(data)), namespace, str(path))
    return json.loads(path.read_text())


def test_describe_call_predict_and_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "inputs.npy", np.arange(6.0).reshape(3, 2))
    namespace = {"x": np.array([[1.0, np.nan]]), "n": 6, "square": lambda v: v * v,
                 "predict": lambda inputs: inputs.sum(axis=1) > 2, "sample": lambda n, scale=1: np.ones((n, 2)) * scale}
    described = result_from_json(DescribeResult, run(DescribeRequest(id="d", name="x"), namespace, tmp_path),
                                 decode=decode)
    assert described.exists and described.shape == [1, 2] and described.dtype == "float64"
    assert np.isnan(described.max) and described.type == "numpy.ndarray"
    assert run(DescribeRequest(id="d", name="n"), namespace, tmp_path) == {
        "ok": True, "exists": True, "type": "builtins.int", "bases": ["builtins.int", "builtins.object"],
        "callable": False, "min": 6.0, "max": 6.0, "value": 6}
    assert run(DescribeRequest(id="d", name="missing"), namespace, tmp_path) == {
        "ok": True, "exists": False, "type": "", "bases": [], "callable": False}
    called = run(CallRequest(id="c", name="square", args=[encode(np.array([1.0, 3.0]))]), namespace, tmp_path)
    np.testing.assert_array_equal(decode(called["value"]), [1.0, 9.0])
    predicted = result_from_json(PredictResult, run(PredictRequest(id="p", callable="predict", inputs="inputs.npy"),
                                                    namespace, tmp_path), decode=decode)
    np.testing.assert_array_equal(predicted.value, [False, True, True])
    sampled = decode(run(SampleRequest(id="s", callable="sample", n=3, kwargs={"scale": 2}), namespace,
                         tmp_path)["value"])
    assert sampled.dtype == np.float32 and sampled.shape == (3, 2) and sampled.max() == 2


def test_artifacts_and_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.json").write_text("{}")
    (tmp_path / "bad.json").write_text("{")
    assert run(ArtifactRequest(id="a", path="good.json", loader="json"), {}, tmp_path) == {
        "ok": True, "exists": True, "size": 2, "loads": True, "summary": "dict"}
    bad = run(ArtifactRequest(id="a", path="bad.json", loader="json"), {}, tmp_path)
    assert bad["ok"] and not bad["loads"] and bad["error"].startswith("JSONDecodeError")
    assert run(ArtifactRequest(id="a", path="absent.txt"), {}, tmp_path)["exists"] is False
    assert run(ArtifactRequest(id="a", path="../escape"), {}, tmp_path)["ok"] is False
    environment = run(EnvironmentRequest(id="e"), {}, tmp_path)
    assert environment["ok"] and environment["python"] and environment["device"] == "cpu"


@pytest.mark.parametrize("data, error", [
    ({"id": "q", "op": "shell"}, "ContractError: unknown probe operation 'shell'"),
    ({"id": "q", "op": "describe"}, "ContractError: DescribeRequest: 'name' is missing"),
    (CallRequest(id="c", name="missing"), "NameError: name 'missing' is not defined in the notebook"),
    (CallRequest(id="c", name="boom"), "ZeroDivisionError: division by zero"),
    (CallRequest(id="c", name="leave"), "SystemExit: 3"),
    (TableRequest(id="t", name="missing"), "NameError: name 'missing' is not defined in the notebook"),
])
def test_failures_come_back_as_results(data, error, tmp_path):
    def leave():
        raise SystemExit(3)

    namespace = {"boom": lambda: 1 / 0, "leave": leave}
    result = run(data, namespace, tmp_path)
    assert result.keys() == {"ok", "error"} and result["ok"] is False and result["error"].startswith(error)
