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
from grader.i18n import N_, Text, join
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
            return failed_probe_outcome(params.name, result.error, N_("read the table '{name}'", name=params.name),
                                        evidence)
        if not result.table:
            return Outcome.failed(N_("'{name}' is a {type}, expected a pandas DataFrame", name=params.name,
                                     type=result.type), cell=number)
        problems = list(_problems(params, result))
        if params.reevaluate:
            labels = evidence.host.labels.get("public")
            problems += _reevaluation_problems(params.reevaluate, result.reevaluation, labels)
        if problems:
            return Outcome.failed(N_("'{name}': {problems}", name=params.name, problems=join(problems)), cell=number,
                                  observed=N_("{rows} rows, columns {columns}", rows=result.rows,
                                              columns=str(result.columns)))
        return Outcome.passed(N_("'{name}' is as required ({rows} rows)", name=params.name, rows=result.rows),
                              cell=number)


def _problems(params: TableParams, result: TableResult) -> Any:
    columns = result.columns
    missing = [column for column in params.columns if column not in columns]
    if missing:
        yield N_("columns are {columns}, missing {missing}", columns=str(columns), missing=str(missing))
    rows = result.rows
    if params.rows and not params.rows.holds(rows):
        yield N_("it has {rows} rows, expected {expected}", rows=rows, expected=params.rows.range_text())
    if params.varied:
        varied = [column for column, count in result.distinct.items()
                  if count >= 2 and column not in params.varied.exclude]
        if len(varied) < params.varied.min:
            yield N_("only {n} column(s) take two or more values ({varied}), expected at least {min} besides "
                     "{exclude}", n=len(varied), varied=", ".join(varied) or "-", min=params.varied.min,
                     exclude=str(params.varied.exclude))
    yield from _value_problems(params, result.values or {})
    if params.parameter_counts:
        yield from _count_problems(params.parameter_counts, columns, result.parameter_counts or [])


def _value_problems(params: TableParams, found: dict[str, list[str]]) -> Any:
    for column, values in params.values.items():
        if column not in found:
            if column not in params.columns:  # otherwise already reported as missing
                yield N_("no column '{column}' (it must hold {values})", column=column, values=str(values))
            continue
        missing = [value for value in values if value not in found[column]]
        if missing:
            yield N_("column '{column}' has no row for {missing}", column=column, missing=str(missing))


def _count_problems(counts: ParameterCounts, columns: list[str], rows: list[ParameterCount]) -> Any:
    if counts.model_column not in columns or counts.count_column not in columns:
        return  # the missing column is already reported
    for row in rows:
        if row.problem:
            yield N_("row '{row}': {problem}", row=row.model, problem=row.problem)
        elif row.stated != row.counted:
            yield N_("row '{row}' states {stated} parameters, the model has {counted}", row=row.model,
                     stated=row.stated, counted=row.counted)


def _reevaluation_problems(spec: Reevaluate, found: Reevaluation | None, labels: np.ndarray | None) -> list[Text]:
    """The best row's reported metric against the one the grader computes from its model."""
    if found is None or found.problem:
        return [N_("could not re-evaluate the best row: {problem}",
                   problem=found.problem if found and found.problem else N_("nothing came back"))]
    if labels is None:
        return [N_("the public evaluation data is not available to the grader")]
    try:
        value = compute(spec.metric, labels, np.asarray(found.predictions))
    except BadPredictions as exc:
        return [N_("{models}[{key}]'s predictions could not be scored: {error}", models=spec.models,
                   key=repr(found.key), error=exc.text)]
    if found.reported is None:
        return [N_("could not re-evaluate the best row: it reports no {column}", column=spec.column)]
    if abs(value - found.reported) > spec.atol:
        return [N_("the best row ('{key}') reports {column} = {reported:.4g}, but {models}[{key_repr}] has "
                   "{metric} = {value:.4g} on the test split", key=found.key, column=spec.column,
                   reported=found.reported, models=spec.models, key_repr=repr(found.key), metric=spec.metric,
                   value=value)]
    return []
