"""Tamper evidence: references to the framework functions the probe relies on, taken before any
student code can touch them (by the preamble, or for a framework the notebook imports later, the
moment its import finishes), and compared with what the names point to at probe time.

A notebook that replaces `F.dropout` with a no-op, swaps `nn.Module.__call__` so hooks never fire,
or makes `torch.autograd.gradcheck` always succeed, cannot be read honestly; the description says
which names were replaced and the host fails the checks that depend on them. The probe itself
calls the saved originals (`original`) wherever it can."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from typing import Any

from grader.probe.introspect import keras_layers, torch_layers

_TORCH_CORE = (
    "torch.nn.Module.__call__", "torch.nn.Module._call_impl", "torch.nn.Module.named_modules",
    "torch.nn.Module.named_parameters", "torch.nn.Module.parameters", "torch.nn.Module.buffers",
    "torch.nn.modules.module.register_module_forward_hook", "torch.nn.modules.module.register_module_forward_pre_hook",
    "torch.overrides.TorchFunctionMode", "torch.overrides.TorchFunctionMode.__enter__",
    "torch.autograd.gradcheck", "torch.autograd.grad", "torch.random.fork_rng", "torch.no_grad",
    "torch.Tensor.__add__", "torch.Tensor.__radd__", "torch.Tensor.__iadd__", "torch.Tensor.__mul__",
    "torch.Tensor.__matmul__", "torch.Tensor.view", "torch.Tensor.reshape",
)
_KERAS_CORE = ("keras.Layer.__call__", "keras.Model.__call__", "keras.ops.convert_to_tensor")

_SNAPSHOT: dict[str, dict[str, Any]] = {}  # framework -> dotted name -> the object it named
_MISSING = object()


def watched(framework: str) -> list[str]:
    """Dotted names whose replacement would blind the probe for this framework."""
    if framework == "torch":
        return [*_TORCH_CORE,
                *(f"torch.nn.functional.{name}" for name in torch_layers.FUNCTION_KINDS),
                *(f"torch.{name}" for name in torch_layers.FUNCTION_KINDS),
                *(f"torch.Tensor.{name}" for name in torch_layers.FUNCTION_KINDS),
                *(f"torch.nn.{name}.forward" for name in torch_layers.MODULE_KINDS)]
    return [*_KERAS_CORE, *(f"keras.layers.{name}.call" for name in keras_layers.LAYER_KINDS)]


FRAMEWORKS = ("torch", "keras")


def guard_frameworks() -> None:
    """Remember what every watched name points to, for each framework already imported, and
    for the others the moment the notebook first imports them (however it spells the import).
    The preamble calls this before the first student cell."""
    for framework in FRAMEWORKS:
        if framework in sys.modules:
            _snapshot(framework)
    if not any(isinstance(finder, _GuardOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _GuardOnImport())


def _snapshot(framework: str) -> None:
    if framework not in _SNAPSHOT:
        found = {name: resolve(name) for name in watched(framework)}
        _SNAPSHOT[framework] = {name: obj for name, obj in found.items() if obj is not _MISSING}


class _GuardOnImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a framework's top-level package like the next finder would, runs it, then takes the
    snapshot: before the student's import statement returns, so before any of their code."""

    def __init__(self) -> None:
        self.loaders: dict[str, Any] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in FRAMEWORKS or fullname in _SNAPSHOT:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        self.loaders[fullname], spec.loader = spec.loader, self
        return spec

    def create_module(self, spec: Any) -> Any:
        return self.loaders[spec.name].create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loaders[module.__name__].exec_module(module)
        _snapshot(module.__name__)


def resolve(dotted: str) -> Any:
    """What `dotted` names right now, looked up the way student code would (attribute by
    attribute from the top-level module); _MISSING if it does not exist."""
    root, *attributes = dotted.split(".")
    current = sys.modules.get(root, _MISSING)
    for attribute in attributes:
        if current is _MISSING:
            break
        try:
            current = getattr(current, attribute, _MISSING)
        except Exception:
            return _MISSING
    return current


def original(dotted: str) -> Any:
    """The object `dotted` named before student code ran (or now, if nothing was guarded)."""
    framework = dotted.split(".")[0]
    saved = _SNAPSHOT.get(framework, {}).get(dotted, _MISSING)
    return resolve(dotted) if saved is _MISSING else saved


def report(framework: str, relevant: tuple[str, ...] | None = None) -> dict[str, Any]:
    """{"guarded": whether the preamble saw the framework, "replaced": names that changed since},
    over all watched names or only the `relevant` ones an operation depends on."""
    saved = _SNAPSHOT.get(framework)
    if saved is None:
        return {"guarded": False, "replaced": []}
    names = saved if relevant is None else [name for name in relevant if name in saved]
    return {"guarded": True, "replaced": sorted(name for name in names if resolve(name) is not saved[name])}
