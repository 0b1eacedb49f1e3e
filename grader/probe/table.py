"""Read a results table (a pandas DataFrame) in the kernel: its size, columns, how many distinct
values each column takes and, on request, the parameter counts of the models its rows name."""

from __future__ import annotations

import sys
from typing import Any

MAX_COLUMNS = 200


def read_table(request: dict, namespace: dict) -> dict:
    name = request["name"]
    if name not in namespace:
        raise NameError(f"name '{name}' is not defined in the notebook")
    value = namespace[name]
    kind = type(value)
    info: dict[str, Any] = {"type": f"{kind.__module__}.{kind.__qualname__}", "table": False}
    pandas = sys.modules.get("pandas")
    if pandas is None or not isinstance(value, pandas.DataFrame):
        return info
    columns = list(value.columns)[:MAX_COLUMNS]
    info.update(table=True, rows=int(len(value)), columns=[str(c) for c in columns],
                distinct={str(c): int(value[c].astype(str).nunique()) for c in columns})
    if "parameter_counts" in request:
        info["parameter_counts"] = _parameter_counts(value, request["parameter_counts"], namespace)
    return info


def _parameter_counts(table: Any, spec: dict, namespace: dict) -> list[dict]:
    """One entry per row: the model it names, the count it states and the count the model has."""
    if spec["model_column"] not in table.columns or spec["count_column"] not in table.columns:
        return []
    entries = []
    for model_name, stated in zip(table[spec["model_column"]], table[spec["count_column"]]):
        entry: dict[str, Any] = {"model": str(model_name)}
        try:
            entry["stated"] = float(stated)
        except (TypeError, ValueError):
            entry["problem"] = f"states {str(stated)[:50]!r}, not a number"
            entries.append(entry)
            continue
        model = namespace.get(str(model_name))
        if model is None:
            entry["problem"] = f"no variable named '{model_name}' in the notebook"
        else:
            counted = _count(model)
            if counted is None:
                entry["problem"] = f"'{model_name}' is a {type(model).__name__}, not a model whose parameters can be counted"
            else:
                entry["counted"] = counted
        entries.append(entry)
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
