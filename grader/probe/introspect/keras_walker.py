"""Keras 3: the model as it really runs, from one eager call.

Sequential, functional and subclassed models are all read the same way: `Layer.__call__` is
wrapped for the duration of one call, so every layer that runs is seen in call order, nested
models (a keras.applications VGG16 inside a Sequential) are walked into, and tensors are followed
by identity through the functional graph's merges. Raw tensor operations inside a subclassed
`call()` (x + y, tf.concat) are not layers and are not seen; the layers after them show no
inputs. BatchNorm statistics and dropout seeds are restored afterwards."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from grader.probe.introspect.call_trace import (
    CallTrace,
    Framework,
    default_batch,
    layer_table,
    registered_paths,
    total_counts,
)
from grader.probe.introspect.keras_layers import classify_layer
from grader.probe.introspect.record import model_input
from grader.probe.introspect.tamper import original
from grader.text import exception_text

SEQUENCE_GUESS = 8  # a length for axes the model leaves open (None), e.g. timesteps


def _classify(layer: Any) -> tuple[str, dict] | None:
    if type(layer).__name__ == "InputLayer":
        return "container", {}  # a placeholder, not a step
    return classify_layer(layer)


def _children(layer: Any) -> list[tuple[str, Any]]:
    """Sub-layers by name: the attribute a subclassed model keeps them in (`blocks[1]`, `spare`),
    the layer's own name in Sequential and functional models (`vgg16/block1_conv1`)."""
    try:
        found = layer._flatten_layers(include_self=False, recursive=False)
    except Exception:
        found = getattr(layer, "layers", [])
    attributes: dict[int, str] = {}
    if not type(layer).__module__.startswith("keras."):
        for name, value in vars(layer).items():
            if name.startswith("_"):  # Keras's own bookkeeping (_layers, _tracker)
                continue
            for position, item in enumerate(value if isinstance(value, (list, tuple)) else [value]):
                attributes.setdefault(id(item), f"{name}[{position}]" if isinstance(value, (list, tuple)) else name)
    return [(attributes.get(id(child), child.name), child) for child in found]


def _size(variable: Any) -> int:
    size = 1
    for dim in variable.shape:
        size *= int(dim)
    return size


def _weight_counts(layer: Any, recurse: bool) -> dict[str, int]:
    if recurse:
        trainable = {id(v) for v in layer.trainable_weights}
        return total_counts((_size(v), id(v) in trainable) for v in layer.weights)
    own = [(v, True) for v in getattr(layer, "_trainable_variables", [])]
    own += [(v, False) for v in getattr(layer, "_non_trainable_variables", [])]
    return total_counts((_size(v), trainable) for v, trainable in own)


def _tensors(value: Any, depth: int = 0) -> Iterator[Any]:
    if isinstance(value, (list, tuple)) and depth < 3:
        for item in value:
            yield from _tensors(item, depth + 1)
    elif isinstance(value, dict) and depth < 3:
        for item in value.values():
            yield from _tensors(item, depth + 1)
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        yield value


KERAS = Framework(classify=_classify, children=_children, parameter_counts=_weight_counts, tensors=_tensors,
                  library=("keras.",), separator="/")


def describe_keras(model: Any, *, inputs: list[dict] | None, mode: str = "train", batch: int | None = None) -> dict:
    """A framework-neutral description of a Keras model (schema in docs/architecture-checks.md).
    batch: examples per call; by default 1, or 2 where BatchNorm trains."""
    import numpy as np

    keras = sys.modules["keras"]
    batch = batch or default_batch(model._flatten_layers(include_self=False, recursive=True), KERAS, mode)
    paths = registered_paths(model, KERAS)
    specs = inputs or _guess_inputs(model)
    trace, error, started = CallTrace(KERAS, paths), None, time.perf_counter()
    if not specs:
        error = "cannot infer the input shape: give input_shape in the rubric"
    else:
        try:
            rng = np.random.default_rng(0)  # never the global RNG the notebook seeded
            examples = [original("keras.ops.convert_to_tensor")(_example(rng, spec, batch)) for spec in specs]
            for position, example in enumerate(examples):
                trace.produce(example, (model_input(position),))
            with _preserved_variables(model), _Tracing(trace, keras):
                output = model(examples[0] if len(examples) == 1 else examples, training=mode == "train")
            trace.outputs = trace.sources(output)
        except Exception as exc:  # the student's call() may raise anything
            error = exception_text(exc, 500)
    return {
        "framework": "keras",
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "mode": mode,
        "inputs": [{"shape": [batch, *spec["shape"]], "dtype": spec.get("dtype", "float32"), "inferred": not inputs}
                   for spec in specs],
        "trace": {"ok": error is None, "error": error, "seconds": round(time.perf_counter() - started, 4)},
        "layers": trace.layers,
        "outputs": trace.outputs,
        "modules": layer_table(model, KERAS, trace),
        "params": _weight_counts(model, True),
        "truncated": trace.truncated,
    }


class _Tracing:
    """Layer.__call__ wrapped for one call, and always put back as it was. Calls on symbolic
    tensors (a subclassed model building itself on first use) pass through unrecorded."""

    def __init__(self, trace: CallTrace, keras: Any) -> None:
        self.trace, self.keras = trace, keras
        self.previous = keras.Layer.__dict__.get("__call__")

    def __enter__(self) -> _Tracing:
        trace, call, symbolic_types = self.trace, original("keras.Layer.__call__"), (self.keras.KerasTensor,)

        def traced_call(layer: Any, *args: Any, **kwargs: Any) -> Any:
            values = [*args, *kwargs.values()]
            if any(isinstance(t, symbolic_types) or type(t).__name__ == "SymbolicTensor" for t in _tensors(values)):
                return call(layer, *args, **kwargs)
            trace.enter(layer, training=_training_flag(kwargs))
            output = None
            try:
                output = call(layer, *args, **kwargs)
                return output
            finally:
                trace.leave(layer, values, output)

        self.keras.Layer.__call__ = traced_call
        return self

    def __exit__(self, *exc: Any) -> None:
        self.keras.Layer.__call__ = self.previous


def _training_flag(kwargs: dict) -> bool | None:
    """The training flag a layer call runs with, resolved as Keras resolves it: the call's own
    `training=` argument, else the enclosing call's (a subclassed model's `self.drop(x)`). A
    functional model passes its own flag to every layer, whatever was given when it was built."""
    if "training" in kwargs:
        value = kwargs["training"]
    else:
        try:
            from keras.src.backend.common import global_state

            context = global_state.get_global_attribute("current_call_ctx")
            value = context.get_value("training") if context is not None else None
        except Exception:  # a Keras without this internal: the flag is unknown, not False
            value = None
    return value if isinstance(value, bool) else None


def _call_state(model: Any) -> list[Any]:
    """The variables a call may change: BatchNorm statistics and dropout seeds, never the
    weights (frozen ones are non-trainable too, and copying 138 M of them would cost seconds)."""
    found: dict[int, Any] = {}
    for layer in model._flatten_layers(include_self=True, recursive=True):
        for variable in getattr(layer, "_non_trainable_variables", []):
            found[id(variable)] = variable
        for generator in getattr(layer, "_seed_generators", []):
            if hasattr(generator, "state"):
                found[id(generator.state)] = generator.state
    return list(found.values())


@contextmanager
def _preserved_variables(model: Any) -> Iterator[None]:
    """A training-mode call updates BatchNorm statistics and dropout seeds: put them back."""
    import numpy as np

    saved = [(variable, np.array(variable.numpy(), copy=True)) for variable in _call_state(model)]
    try:
        yield
    finally:
        for variable, value in saved:
            variable.assign(value)


def _example(rng: Any, spec: dict, batch: int) -> Any:
    shape = [batch, *[int(size) for size in spec["shape"]]]
    dtype = str(spec.get("dtype", "float32"))
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, int(spec.get("high", 2)), size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _guess_inputs(model: Any) -> list[dict]:
    """Input shapes from the model's own Input(s), or the shape it was built with."""
    try:
        declared = list(model.inputs)
    except Exception:
        declared = []
    if declared:
        return [{"shape": [SEQUENCE_GUESS if d is None else int(d) for d in tensor.shape[1:]],
                 "dtype": str(getattr(tensor, "dtype", "float32")), **_vocabulary(model)} for tensor in declared]
    built = getattr(model, "_build_shapes_dict", None) or {}
    shapes = [shape for shape in built.values() if isinstance(shape, (list, tuple))]
    if not shapes:
        return []
    return [{"shape": [SEQUENCE_GUESS if d is None else int(d) for d in shapes[0][1:]], **_vocabulary(model)}]


def _vocabulary(model: Any) -> dict:
    """Integer inputs below the vocabulary size when the first layer is an Embedding."""
    for _, layer in _children(model)[:2]:
        if type(layer).__name__ == "Embedding":
            return {"dtype": "int32", "high": int(layer.input_dim)}
    return {}
