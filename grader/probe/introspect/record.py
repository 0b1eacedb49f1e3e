"""The entries of a model description, built in one place so the PyTorch tracer and the Keras
walker always emit the same schema (docs/architecture-checks.md describes it)."""

from __future__ import annotations

from typing import Any

from grader.probe.introspect.plain import plain


def model_input(position: int) -> int:
    """The producer id of the model's input number `position` in `inputs` lists: -1, -2, ..."""
    return -1 - position


def layer_entry(*, index: int, path: str, op: str, kind: str, source: str, settings: dict, params: dict | None,
                input_shapes: list, output_shape: list | None, inputs: list[int], call: int,
                registered: bool = True) -> dict[str, Any]:
    """One step of the forward pass. source: "module" (a layer object) or "function" (a call such
    as F.dropout or torch.cat inside forward). inputs: ids of the layers whose outputs this step
    read (model_input(n) for the model's n-th input); empty when the data flow could not be
    followed (a Keras layer after a raw tensor operation)."""
    return {"id": index, "path": path, "op": op, "kind": kind, "source": source,
            "settings": {key: plain(value) for key, value in settings.items()},
            "params": params, "input_shapes": input_shapes[:4], "output_shape": output_shape,
            "inputs": inputs, "call": call, "registered": registered}


def module_entry(*, path: str, op: str, kind: str, settings: dict, params: dict, calls: int,
                 registered: bool = True) -> dict[str, Any]:
    """One layer object the model holds (or ran without holding it), called `calls` times."""
    return {"path": path, "op": op, "kind": kind, "settings": {key: plain(value) for key, value in settings.items()},
            "params": params, "calls": calls, "registered": registered}


def counts(total: int, trainable: int) -> dict[str, int]:
    return {"total": int(total), "trainable": int(trainable)}
