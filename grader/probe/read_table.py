"""Read a results table (a pandas DataFrame) in the kernel: its size, columns, how many distinct
values each column takes and, on request, the distinct values of some columns, the parameter
counts of the models its rows name, or the predictions of the model its best row names (the host
recomputes that row's metric)."""

from __future__ import annotations

import sys
from typing import Any

from grader.contract import BestRow, CountColumns, ParameterCount, Reevaluation, TableRequest, TableResult
from grader.probe.jsonvalues import as_numpy
from grader.text import exception_text

MAX_COLUMNS = 200
MAX_VALUES = 200      # distinct values sent back per requested column
MAX_VALUE_CHARS = 100


def read_table(request: TableRequest, namespace: dict) -> TableResult:
    name = request.name
    if name not in namespace:
        raise NameError(f"name '{name}' is not defined in the notebook")
    value = namespace[name]
    kind = type(value)
    found = f"{kind.__module__}.{kind.__qualname__}"
    pandas = sys.modules.get("pandas")
    if pandas is None or not isinstance(value, pandas.DataFrame):
        return TableResult(ok=True, type=found, table=False)
    columns = list(value.columns)[:MAX_COLUMNS]
    info: dict[str, Any] = {}
    if request.values is not None:
        info["values"] = {column: _distinct(value[column]) for column in request.values if column in value.columns}
    if request.parameter_counts is not None:
        info["parameter_counts"] = _parameter_counts(value, request.parameter_counts, namespace)
    if request.reevaluate is not None:
        try:
            if request.inputs is None:
                raise ValueError("no evaluation inputs to re-evaluate the best row on")
            info["reevaluation"] = _reevaluate(value, request.reevaluate, request.inputs, namespace)
        except Exception as exc:  # the student's table, dict or model: the message goes to the student
            info["reevaluation"] = Reevaluation(problem=exception_text(exc, 500))
    return TableResult(ok=True, type=found, table=True, rows=int(len(value)), columns=[str(c) for c in columns],
                       distinct={str(c): int(value[c].astype(str).nunique()) for c in columns}, **info)


def _distinct(column: Any) -> list[str]:
    """A column's distinct values as short strings, the host judges which are there."""
    return sorted({str(item)[:MAX_VALUE_CHARS] for item in column})[:MAX_VALUES]


def _reevaluate(table: Any, spec: BestRow, inputs: str, namespace: dict) -> Reevaluation:
    """The row with the best reported metric, and its model's predictions on the evaluation inputs."""
    import numpy as np

    for column in (spec.key, spec.column):
        if column not in table.columns:
            raise KeyError(f"the table has no column '{column}'")
    reported = np.asarray(table[spec.column].astype(float))
    if not len(reported) or np.isnan(reported).all():
        raise ValueError(f"column '{spec.column}' has no numbers")
    row = int(np.nanargmin(reported) if spec.pick == "min" else np.nanargmax(reported))
    key = table[spec.key].iloc[row]
    models = namespace.get(spec.models)
    if models is None:
        raise NameError(f"name '{spec.models}' is not defined in the notebook")
    try:
        model = models[key]
    except (KeyError, IndexError, TypeError):
        raise KeyError(f"{spec.models}[{key!r}] does not exist") from None
    predictions = _predict(model, np.load(inputs, allow_pickle=False))
    return Reevaluation(key=str(key)[:200], reported=float(reported[row]), predictions=predictions)


def _predict(model: Any, inputs: Any) -> Any:
    """A model with predict (Keras quietly) or a function, called on the inputs; numbers back."""
    import numpy as np

    if hasattr(model, "predict"):
        try:
            outputs = model.predict(inputs, verbose=0)
        except TypeError:  # a predict without Keras's verbose argument
            outputs = model.predict(inputs)
    elif callable(model):
        outputs = model(inputs)
    else:
        raise TypeError(f"the model is a {type(model).__name__}: neither callable nor with a predict method")
    array = as_numpy(outputs)
    array = np.asarray(outputs) if array is None else array
    if array.dtype.kind not in "biuf":
        raise TypeError(f"the model's predictions have dtype {array.dtype}; expected numbers")
    return array


def _parameter_counts(table: Any, spec: CountColumns, namespace: dict) -> list[ParameterCount]:
    """One entry per row: the model it names, the count it states and the count the model has."""
    if spec.model_column not in table.columns or spec.count_column not in table.columns:
        return []
    entries = []
    for model_name, stated_text in zip(table[spec.model_column], table[spec.count_column]):
        name = str(model_name)
        try:
            stated = float(stated_text)
        except (TypeError, ValueError):
            entries.append(ParameterCount(model=name, problem=f"states {str(stated_text)[:50]!r}, not a number"))
            continue
        model = namespace.get(name)
        if model is None:
            entries.append(ParameterCount(model=name, stated=stated,
                                          problem=f"no variable named '{model_name}' in the notebook"))
            continue
        counted = _count(model)
        if counted is None:
            entries.append(ParameterCount(model=name, stated=stated, problem=f"'{model_name}' is a "
                                          f"{type(model).__name__}, not a model whose parameters can be counted"))
        else:
            entries.append(ParameterCount(model=name, stated=stated, counted=counted))
    return entries


def _count(model: Any) -> int | None:
    """Parameters of a torch module (parameters()) or a Keras model (count_params())."""
    if hasattr(model, "parameters") and callable(model.parameters):
        try:
            return int(sum(p.numel() for p in model.parameters()))
        except Exception:
            pass
    if hasattr(model, "count_params"):
        try:
            return int(model.count_params())
        except Exception:
            return None
    return None
