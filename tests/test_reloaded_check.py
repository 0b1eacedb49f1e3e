"""The `reloaded` check in a real kernel: a model saved and loaded into a new instance that
predict() uses passes; the same object under a new name, an instance that was never loaded, and a
predict() that still uses the in-memory model each fail with their own reason."""

from __future__ import annotations

import pytest

from course_support import grade_in_course
from grader.results import CheckStatus

SPEC = """\
datasets: [blobs2d]
objects: {predict: predict}
evaluation:
  public: {dataset: blobs2d, split: test, limit: 40}
"""

CELLS = ["""\
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
torch.save(model.state_dict(), "model.pt")
torch.save(model, "whole.pt")""", """\
loaded_model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
loaded_model.load_state_dict(torch.load("model.pt"))
whole = torch.load("whole.pt", weights_only=False)
same = model                                                    # no new instance
fresh = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))  # never loaded


def predictor(network):
    def predict(inputs):
        with torch.no_grad():
            return network(torch.as_tensor(inputs, dtype=torch.float32)).argmax(1).numpy()
    return predict


predict, predict_whole, predict_memory = predictor(loaded_model), predictor(whole), predictor(model)
predict_same, predict_fresh = predictor(same), predictor(fresh)"""]


def reloaded(check_id: str, **params) -> dict:
    return {"id": check_id, "title": check_id, "kind": "reloaded", "points": 2, "params": {"path": "model.pt", **params}}


@pytest.mark.slow
def test_only_a_new_loaded_instance_that_predict_uses_passes(tmp_path, local_sandbox):
    checks = [reloaded("state-dict"), reloaded("whole-model", path="whole.pt", model="whole", callable="predict_whole"),
              reloaded("memory", callable="predict_memory"), reloaded("same", model="same", callable="predict_same"),
              reloaded("fresh", model="fresh", callable="predict_fresh"), reloaded("no-file", path="missing.pt")]
    result = grade_in_course(tmp_path, local_sandbox, CELLS, checks, framework="pytorch", spec=SPEC)
    outcomes = {c.id: (c.status, c.message) for c in result.checks}
    assert outcomes["state-dict"][0] == outcomes["whole-model"][0] == CheckStatus.PASSED
    assert outcomes["memory"] == (CheckStatus.FAILED, "predict_memory() does not use 'loaded_model'")
    assert outcomes["same"][1] == "'same' is 'model' itself, not a new instance loaded from the file"
    assert outcomes["fresh"][1].startswith("'fresh' does not hold the weights saved in model.pt (differing or missing: 0.bias")
    assert "missing.pt" in outcomes["no-file"][1] and outcomes["no-file"][0] == CheckStatus.FAILED


@pytest.mark.slow
def test_predict_using_both_models_is_caught(tmp_path, local_sandbox):
    cells = [*CELLS, "def predict_both(inputs):\n    return (predict(inputs) + predict_memory(inputs)) // 2"]
    result = grade_in_course(tmp_path, local_sandbox, cells, [reloaded("both", callable="predict_both")],
                             framework="pytorch", spec=SPEC)
    assert result.checks[0].message == "predict_both() uses 'model', the model still in memory"
