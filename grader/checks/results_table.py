"""`table`: a results table (a pandas DataFrame) has the required columns and rows, varies enough
columns (a hyper-parameter search over several parameters), holds the required values (every
model and dataset of a comparison), states parameter counts that match the notebook's models (a
comparison table the student did not fill in by hand), and a best row whose reported metric the
grader recomputes from its model's predictions."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from grader.checks.architecture.selectors import Range
from grader.checks.base import CheckKind, Evidence, Outcome, failed_probe_outcome, probe_id
from grader.contract import BestRow, CountColumns, ParameterCount, ProbeRequest, Reevaluation, TableRequest, TableResult
from grader.metrics import LOWER_IS_BETTER, METRICS, BadPredictions, compute
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


class Varied(Strict):
    """At least `min` columns, other than `exclude`, take two or more distinct values."""

    min: int = Field(ge=1)
    exclude: list[str] = Field(default_factory=list, description="result columns, e.g. accuracy")


class ParameterCounts(Strict):
    """Each row's `count_column` equals the parameter count of the notebook variable that its
    `model_column` names."""

    model_column: str
    count_column: str


class Reevaluate(Strict):
    """The row with the best `column` value names, in `key`, an entry of the notebook's dict
    `models`; the grader predicts with it on the public evaluation inputs and recomputes `metric`
    on the host: a reported metric that its model does not reach is caught."""

    models: str = Field(description="a dict in the notebook: key -> a model (with predict) or a function")
    key: str = Field(description="the column whose values are keys of models")
    column: str = Field(description="the column with the reported metric")
    metric: str
    atol: float = Field(0.01, ge=0)

    @field_validator("metric")
    @classmethod
    def _known(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
        return metric

    @property
    def pick(self) -> Literal["min", "max"]:
        return "min" if self.metric in LOWER_IS_BETTER else "max"


class TableParams(Strict):
    name: str
    columns: list[str] = Field(default_factory=list, description="columns the table must have")
    rows: Range | None = None
    varied: Varied | None = None
    values: dict[str, list[str]] = Field(default_factory=dict,
                                         description="column -> values that must each appear in it")
    parameter_counts: ParameterCounts | None = None
    reevaluate: Reevaluate | None = None


class Table(CheckKind):
    name = "table"
    Params = TableParams

    def probes(self, check: Check, params: TableParams, assignment: Assignment) -> list[ProbeRequest]:
        counts, best = params.parameter_counts, params.reevaluate
        return [TableRequest(
            id=probe_id(check.id), name=params.name,
            values=sorted(params.values) if params.values else None,  # column names only: the required values stay home
            parameter_counts=CountColumns(model_column=counts.model_column, count_column=counts.count_column)
            if counts else None,
            reevaluate=BestRow(models=best.models, key=best.key, column=best.column, pick=best.pick) if best else None,
            inputs="eval/public.npy" if best else None)]  # the harness makes it the sandbox's path

    def evaluation_splits(self, check: Check, params: TableParams) -> set[str]:
        return {"public"} if params.reevaluate else set()

    def evaluate(self, check: Check, params: TableParams, evidence: Evidence) -> Outcome:
        result = evidence.observations.result(probe_id(check.id), TableResult)
        cell = evidence.observations.execution.defining(params.name)
        number = cell.number if cell else None
        if not result.ok:
            return failed_probe_outcome(params.name, result.error, f"read the table '{params.name}'", evidence)
        if not result.table:
            return Outcome.failed(f"'{params.name}' is a {result.type}, expected a pandas DataFrame", cell=number)
        problems = list(_problems(params, result))
        if params.reevaluate:
            labels = evidence.host.labels.get("public")
            problems += _reevaluation_problems(params.reevaluate, result.reevaluation, labels)
        if problems:
            return Outcome.failed(f"'{params.name}': " + "; ".join(problems), cell=number,
                                  observed=f"{result.rows} rows, columns {result.columns}")
        return Outcome.passed(f"'{params.name}' is as required ({result.rows} rows)", cell=number)


def _problems(params: TableParams, result: TableResult) -> Any:
    columns = result.columns
    missing = [column for column in params.columns if column not in columns]
    if missing:
        yield f"columns are {columns}, missing {missing}"
    rows = result.rows
    if params.rows and not params.rows.holds(rows):
        yield f"it has {rows} rows, expected {params.rows.range_text()}"
    if params.varied:
        varied = [column for column, count in result.distinct.items()
                  if count >= 2 and column not in params.varied.exclude]
        if len(varied) < params.varied.min:
            yield (f"only {len(varied)} column(s) take two or more values ({', '.join(varied) or 'none'}), expected "
                   f"at least {params.varied.min} besides {params.varied.exclude}")
    yield from _value_problems(params, result.values or {})
    if params.parameter_counts:
        yield from _count_problems(params.parameter_counts, columns, result.parameter_counts or [])


def _value_problems(params: TableParams, found: dict[str, list[str]]) -> Any:
    for column, values in params.values.items():
        if column not in found:
            if column not in params.columns:  # otherwise already reported as missing
                yield f"no column '{column}' (it must hold {values})"
            continue
        missing = [value for value in values if value not in found[column]]
        if missing:
            yield f"column '{column}' has no row for {missing}"


def _count_problems(counts: ParameterCounts, columns: list[str], rows: list[ParameterCount]) -> Any:
    if counts.model_column not in columns or counts.count_column not in columns:
        return  # the missing column is already reported
    for row in rows:
        if row.problem:
            yield f"row '{row.model}': {row.problem}"
        elif row.stated != row.counted:
            yield f"row '{row.model}' states {row.stated} parameters, the model has {row.counted}"


def _reevaluation_problems(spec: Reevaluate, found: Reevaluation | None, labels: np.ndarray | None) -> list[str]:
    """The best row's reported metric against the one the grader computes from its model."""
    if found is None or found.problem:
        return [f"could not re-evaluate the best row: {found.problem if found else 'nothing came back'}"]
    if labels is None:
        return ["the public evaluation data is not available to the grader"]
    try:
        value = compute(spec.metric, labels, np.asarray(found.predictions))
    except BadPredictions as exc:
        return [f"{spec.models}[{found.key!r}]'s predictions could not be scored: {exc}"]
    if found.reported is None:
        return [f"could not re-evaluate the best row: it reports no {spec.column}"]
    if abs(value - found.reported) > spec.atol:
        return [f"the best row ('{found.key}') reports {spec.column} = {found.reported:.4g}, but "
                f"{spec.models}[{found.key!r}] has {spec.metric} = {value:.4g} on the test split"]
    return []
