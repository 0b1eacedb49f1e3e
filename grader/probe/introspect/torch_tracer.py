"""PyTorch: the model as it really runs, from one forward pass.

Global module hooks see every module call, registered or not (layers kept in a plain Python list
still run); a torch-function mode sees functional calls inside `forward` (`F.dropout` with its
`training` flag, `F.relu`, `torch.cat`, `+` on two activations) that no module list shows. The
model's training flags, buffers (BatchNorm statistics) and the random state are restored
afterwards, so later probes see the model untouched."""

from __future__ import annotations

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
from grader.probe.introspect.record import model_input
from grader.probe.introspect.tamper import original
from grader.probe.introspect.torch_layers import BINARY_MERGES, FUNCTION_KINDS, RESHAPES, classify_module, function_name
from grader.text import exception_text

SPATIAL_GUESSES = {"conv1d": (64, 28, 128), "conv2d": (32, 28, 64, 224), "conv3d": (16, 32),
                   "transpose-conv": (1, 4, 7)}


def _parameter_counts(module: Any, recurse: bool) -> dict[str, int]:
    parameters = original("torch.nn.Module.parameters")(module, recurse=recurse)
    return total_counts((p.numel(), p.requires_grad) for p in parameters)


def _tensors(value: Any, depth: int = 0) -> Iterator[Any]:
    """Tensors in a value, looking into tuples, lists and dicts (torch.cat([a, b]), LSTM states)."""
    import torch

    if isinstance(value, torch.Tensor):
        yield value
    elif depth < 3 and isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item, depth + 1)


TORCH = Framework(classify=classify_module, children=lambda module: list(module.named_children()),
                  parameter_counts=_parameter_counts, tensors=_tensors, library=("torch.", "torchvision."),
                  separator=".")


def describe_torch(model: Any, *, inputs: list[dict] | None, mode: str = "train", batch: int | None = None) -> dict:
    """A framework-neutral description of a torch.nn.Module (schema in docs/architecture-checks.md).
    batch: examples per forward pass; by default 1, or 2 where BatchNorm needs a batch to train."""
    paths = registered_paths(model, TORCH)
    batch = batch or default_batch((m for _, m in original("torch.nn.Module.named_modules")(model)), TORCH, mode)
    started = time.perf_counter()
    trace: CallTrace | None = None
    used: list[dict] | None = None
    error: str | None = "cannot infer the input shape: give input_shape in the rubric"
    failed: tuple[CallTrace, list[dict], str] | None = None
    for candidate in ([inputs] if inputs else _guess_inputs(model)):
        attempt = CallTrace(TORCH, paths)
        try:
            examples = [_example(model, spec, batch) for spec in candidate]
            for position, example in enumerate(examples):
                attempt.produce(example, (model_input(position),))
            with _preserved_state(model, mode), _Tracing(attempt):
                output = original("torch.nn.Module.__call__")(model, *examples)
        except Exception as exc:  # the student's forward may raise anything
            failed = failed or (attempt, candidate, exception_text(exc, 500))
            continue
        attempt.outputs = attempt.sources(output)
        trace, used, error = attempt, candidate, None
        break
    else:
        if failed:
            trace, used, error = failed  # the first attempt's steps show how far the forward pass got
    return {
        "framework": "pytorch",
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "mode": mode,
        "inputs": [{"shape": _full_shape(spec, batch), "dtype": spec.get("dtype", "float32"), "inferred": not inputs}
                   for spec in used or []],
        "trace": {"ok": error is None, "error": error, "seconds": round(time.perf_counter() - started, 4)},
        "layers": trace.layers if trace else [],
        "outputs": trace.outputs if trace else [],
        "modules": layer_table(model, TORCH, trace),
        "params": _parameter_counts(model, True),
        "truncated": bool(trace and trace.truncated),
    }


def record_function(trace: CallTrace, func: Any, args: tuple, kwargs: dict, output: Any) -> None:
    """A functional call inside forward becomes a step if the vocabulary names it; any other call
    passes the producers of its inputs on to its outputs, so the data flow stays connected."""
    if trace.inside_layer:
        return
    values = [*args, *kwargs.values()]
    sources = [t for t in _tensors(values) if trace.producers_of(t) is not None]
    if not sources:
        return
    name = function_name(func)
    entry = FUNCTION_KINDS.get(name)
    if entry and entry[0] in BINARY_MERGES and len({id(t) for t in sources}) < 2:
        entry = None  # x + 1, x * scale: not a merge of two activations
    if entry is None and name in RESHAPES and _flattens(sources[0], output):
        entry = ("flatten", lambda *_: {})
    if entry is None:
        joined = tuple(trace.sources(sources))
        for tensor in _tensors(output):
            trace.produce(tensor, joined)
        return
    kind, settings = entry
    try:
        found = settings(name, args, kwargs)
    except Exception:
        found = {}
    trace.record(path=trace.current_path, op=name, kind=kind, source="function", settings=found, params=None,
                 inputs=values, output=output, call=1)


class _Tracing:
    """Module hooks and the torch-function mode, installed together and always removed."""

    def __init__(self, trace: CallTrace) -> None:
        self.trace = trace
        self.handles: list[Any] = []
        self.mode: Any = None

    def __enter__(self) -> _Tracing:
        trace = self.trace

        def _leave(module: Any, args: tuple, *rest: Any) -> None:
            """(module, args, kwargs, output) normally; (module, args, None) when forward raised."""
            kwargs, output = rest if len(rest) == 2 else ({}, None)
            trace.leave(module, [*args, *(kwargs or {}).values()], output)

        self.handles = [
            original("torch.nn.modules.module.register_module_forward_pre_hook")(
                lambda module, args: trace.enter(module, training=bool(module.training))),
            original("torch.nn.modules.module.register_module_forward_hook")(_leave, with_kwargs=True,
                                                                             always_call=True),
        ]

        class Mode(original("torch.overrides.TorchFunctionMode")):  # type: ignore[misc]
            def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001 - torch's protocol
                kwargs = kwargs or {}
                output = func(*args, **kwargs)
                record_function(trace, func, args, kwargs, output)
                return output

        self.mode = Mode()
        self.mode.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.mode.__exit__(*exc)
        for handle in self.handles:
            handle.remove()


def _flattens(source: Any, output: Any) -> bool:
    """view/reshape that keeps the batch axis and folds the rest: x.view(x.size(0), -1)."""
    shape = getattr(output, "shape", None)
    return shape is not None and source.dim() > 2 and len(shape) == 2 and shape[0] == source.shape[0]


# ---- inputs --------------------------------------------------------------------------------------

def _full_shape(spec: dict, batch: int) -> list[int]:
    """One sample's shape with the batch axis added (second for a sequence-first RNN)."""
    shape = [int(size) for size in spec["shape"]]
    axis = int(spec.get("batch_axis", 0))
    return [*shape[:axis], batch, *shape[axis:]]


def _example(model: Any, spec: dict, batch: int) -> Any:
    import torch

    generator = torch.Generator().manual_seed(0)  # never the global RNG the notebook seeded
    shape = _full_shape(spec, batch)
    device, floating = _device_and_dtype(model)
    if str(spec.get("dtype", "float32")).startswith(("int", "long")):
        return torch.randint(0, int(spec.get("high", 2)), shape, generator=generator).to(device)
    dtype = getattr(torch, str(spec["dtype"])) if spec.get("dtype") else floating
    return torch.randn(shape, generator=generator).to(device=device, dtype=dtype)


def _device_and_dtype(model: Any) -> tuple[Any, Any]:
    import torch

    for parameter in original("torch.nn.Module.parameters")(model):
        if parameter.is_floating_point():
            return parameter.device, parameter.dtype
    return torch.device("cpu"), torch.float32


def _guess_inputs(model: Any) -> list[list[dict]]:
    """Input shapes to try when the rubric gives none, from the first layer that fixes them."""
    for _, module in original("torch.nn.Module.named_modules")(model):
        kind, settings = classify_module(module) or (None, {})
        if kind == "linear" and settings.get("in_features"):
            return [[{"shape": [settings["in_features"]]}]]
        if kind == "embedding":
            return [[{"shape": [16], "dtype": "int64", "high": settings["input_dim"]}]]
        if kind in ("simple-rnn", "lstm", "gru"):
            return [[{"shape": [8, settings["input_size"]], "batch_axis": 0 if settings["batch_first"] else 1}]]
        if kind in SPATIAL_GUESSES and settings.get("in_channels"):
            dims = int(kind[4]) if kind.startswith("conv") else 2
            return [[{"shape": [settings["in_channels"], *[size] * dims]}] for size in SPATIAL_GUESSES[kind]]
    return []


@contextmanager
def _preserved_state(model: Any, mode: str) -> Iterator[None]:
    """Run in train or eval mode without leaving a trace: flags, buffers and RNG come back."""
    modules = [module for _, module in original("torch.nn.Module.named_modules")(model)]
    flags = [(module, module.training) for module in modules]
    buffers = [(b, b.detach().clone()) for b in original("torch.nn.Module.buffers")(model)]
    device, _ = _device_and_dtype(model)
    devices = [device.index or 0] if device.type == "cuda" else []
    try:
        with original("torch.random.fork_rng")(devices=devices), original("torch.no_grad")():
            for module in modules:
                module.training = mode == "train"
            yield
    finally:
        for module, flag in flags:
            module.training = flag
        with original("torch.no_grad")():
            for buffer, saved in buffers:
                buffer.copy_(saved)
