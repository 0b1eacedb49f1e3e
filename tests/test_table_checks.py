"""The `table` check on real notebooks in a real kernel: columns, rows, how many columns a search
varies, the values a comparison must cover, and parameter counts compared with the models the rows
name."""

from __future__ import annotations

import importlib.util

import pytest

from architecture_support import grade_cells
from grader.errors import SpecError
from grader.results import CheckStatus


@pytest.fixture(scope="module", autouse=True)
def needs_torch() -> None:
    """The notebooks import torch: skip without it (asked here, not at import, and without
    importing torch into pytest's process: collection stays cheap)."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")


CHECKS = [
    {"id": "comparison", "title": "Comparison table", "kind": "table", "points": 1,
     "params": {"name": "results", "columns": ["model", "accuracy", "params"], "rows": {"equals": 2},
                "values": {"model": ["small", "large"], "dataset": ["toy"]},
                "parameter_counts": {"model_column": "model", "count_column": "params"}}},
    {"id": "search", "title": "Search table", "kind": "table", "points": 1,
     "params": {"name": "search", "columns": ["val_accuracy"], "rows": {"min": 4},
                "varied": {"min": 2, "exclude": ["val_accuracy"]}}},
]

MODELS = ("import pandas as pd\nfrom torch import nn\n"
          "small, large = nn.Linear(4, 2), nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))\n"
          "def count(m):\n    return sum(p.numel() for p in m.parameters())\n")
GOOD = [MODELS,
        "results = pd.DataFrame({'model': ['small', 'large'], 'dataset': 'toy', 'accuracy': [0.5, 0.7],"
        " 'params': [count(small), count(large)]})",
        "search = pd.DataFrame([{'lr': lr, 'width': w, 'val_accuracy': 0.5} for lr in (0.1, 0.01) for w in (8, 16)])"]
BAD = [MODELS,
       "results = pd.DataFrame({'model': ['small', 'huge'], 'accuracy': [0.5, 0.7], 'params': [11, 58]})",
       "search = pd.DataFrame([{'lr': lr, 'width': 8, 'val_accuracy': 0.5} for lr in (0.1, 0.01, 0.001, 1e-4)])"]


@pytest.mark.slow
def test_tables_are_read_in_the_kernel_and_judged_on_the_host(tmp_path, local_sandbox):
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    good = grade_cells(tmp_path / "good", local_sandbox, framework="pytorch", checks=CHECKS, cells=GOOD)
    assert [(c.id, c.status) for c in good.checks] == [("comparison", CheckStatus.PASSED), ("search", CheckStatus.PASSED)]
    bad = {c.id: c for c in grade_cells(tmp_path / "bad", local_sandbox, framework="pytorch", checks=CHECKS,
                                        cells=BAD).checks}
    assert bad["comparison"].status is CheckStatus.FAILED
    assert "row 'small' states 11.0 parameters, the model has 10" in bad["comparison"].message
    assert "row 'huge': no variable named 'huge' in the notebook" in bad["comparison"].message
    assert "column 'model' has no row for ['large']" in bad["comparison"].message
    assert "no column 'dataset' (it must hold ['toy'])" in bad["comparison"].message
    assert bad["search"].status is CheckStatus.FAILED
    assert "only 1 column(s) take two or more values (lr)" in bad["search"].message


@pytest.mark.slow
def test_a_table_that_is_no_dataframe_or_missing_says_so(tmp_path, local_sandbox):
    cells = ["results = [['small', 0.5, 10]]"]
    checks = {c.id: c for c in grade_cells(tmp_path, local_sandbox, framework="pytorch", checks=CHECKS,
                                          cells=cells).checks}
    assert "'results' is a builtins.list, expected a pandas DataFrame" in checks["comparison"].message
    assert "'search' is not defined" in checks["search"].message


def test_table_params_are_validated_with_their_location(tmp_path):
    from architecture_support import write_lab

    with pytest.raises(SpecError, match=r"checks\[0\]\.params\.varied\.min"):
        write_lab(tmp_path, framework="pytorch",
                  checks=[{"id": "t", "title": "T", "kind": "table", "points": 1, "params": {"name": "t", "varied": {"min": 0}}}])
