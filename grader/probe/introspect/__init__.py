"""Model introspection inside the kernel: a framework-neutral description of a PyTorch or Keras
model as it really runs (docs/architecture-checks.md). Frameworks are never imported here: a
model can only come from one the notebook already imported."""

from __future__ import annotations

import sys
from typing import Any

from grader.probe.introspect import tamper
from grader.probe.introspect.training_setup import training_setup

SCHEMA_VERSION = 1


def framework_of(model: Any) -> str | None:
    torch, keras = sys.modules.get("torch"), sys.modules.get("keras")
    if torch is not None and isinstance(model, torch.nn.Module):
        return "pytorch"
    if keras is not None and isinstance(model, keras.Layer):
        return "keras"
    return None


def describe_model(model: Any, *, namespace: dict | None = None, inputs: list[dict] | None = None,
                   mode: str = "train", batch: int | None = None) -> dict:
    """The description of model; with namespace, also the optimizer and loss found for it."""
    framework = framework_of(model)
    if framework is None:
        raise TypeError(f"a {type(model).__module__}.{type(model).__qualname__} is neither a torch.nn.Module "
                        "nor a Keras model")
    evidence = tamper.report("torch" if framework == "pytorch" else "keras")  # before the trace touches anything
    if framework == "pytorch":
        from grader.probe.introspect.torch_tracer import describe_torch as describe
    else:
        from grader.probe.introspect.keras_walker import describe_keras as describe
    description = describe(model, inputs=inputs, mode=mode, batch=batch)
    description["training"] = training_setup(framework, model, namespace) if namespace is not None else None
    description["tamper"] = evidence
    description["schema"] = SCHEMA_VERSION
    return description


def build_model(cls: Any, args: list, kwargs: dict) -> Any:
    """A fresh instance of the student's model class, without disturbing the notebook's torch
    random state (so later probes behave as if this never happened)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return cls(*args, **kwargs)
    with tamper.original("torch.random.fork_rng")(devices=[]):
        return cls(*args, **kwargs)
