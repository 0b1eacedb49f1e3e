"""Reading the student's names from the kernel's namespace: one name with the error a student
understands (`lookup`), and every name the notebook defined with what it holds (`defined_names`,
the `names` probe the host's triage reads). Nothing is imported here: a framework counts only when
the notebook itself imported it."""

from __future__ import annotations

import functools
import types
from typing import Any

from grader.contract import DefinedName, NamesRequest, NamesResult

MAX_NAMES = 2000        # a namespace bigger than this is cut (the result says so)
MAX_TYPE_CHARS = 200
IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})
TORCH_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial)


def lookup(namespace: dict, name: str) -> Any:
    if name not in namespace:
        raise NameError(f"name '{name}' is not defined in the notebook")
    return namespace[name]


def defined_names(request: NamesRequest, namespace: dict) -> NamesResult:
    """Every public name the notebook defined (modules it imported left out), sorted, each with
    its kind (grader.contract.NAME_KINDS), class and framework."""
    names = sorted(name for name in list(namespace) if isinstance(name, str) and name.isidentifier()
                   and not name.startswith("_") and name not in IPYTHON_NAMES
                   and not issubclass(type(namespace[name]), types.ModuleType))  # type(): no __class__ lies
    return NamesResult(ok=True, defined=[describe_name(name, namespace[name]) for name in names[:MAX_NAMES]],
                       truncated=len(names) > MAX_NAMES)


def describe_name(name: str, value: Any) -> DefinedName:
    try:
        return _described(name, value)
    except Exception:  # a student's class may make isinstance or __module__ raise
        return DefinedName(name=name, kind="object", type="unknown")


def _described(name: str, value: Any) -> DefinedName:
    kind = type(value)
    if issubclass(kind, type):
        return DefinedName(name=name, kind="class", type=_qualified(value), framework=_framework(value)[0])
    framework, role = _framework(kind)
    if role is None:
        role = "function" if issubclass(kind, FUNCTIONS) else _data_kind(kind)
    return DefinedName(name=name, kind=role, type=_qualified(kind), framework=framework)


def _framework(cls: type) -> tuple[str | None, str | None]:
    """("pytorch" | "keras" | None, "model" | "layer" | "tensor" | None) from the class's MRO,
    by name: the frameworks are not imported here."""
    for base in _mro(cls):
        module, name = getattr(base, "__module__", "") or "", getattr(base, "__qualname__", "")
        if module.startswith("torch"):
            if name == "Module":  # torch's own modules (nn.Linear, a loss) are layers, but for its containers
                own = cls.__module__.split(".")[0] == "torch" and cls.__qualname__ not in TORCH_CONTAINERS
                return "pytorch", "layer" if own else "model"
            if name == "Tensor":
                return "pytorch", "tensor"
        if module.split(".")[0] in ("keras", "tf_keras", "tensorflow"):
            if name in ("Model", "Functional", "Sequential"):
                return "keras", "model"
            if name == "Layer":
                return "keras", "layer"
    return None, None


def _data_kind(cls: type) -> str:
    names = {(getattr(base, "__module__", ""), getattr(base, "__qualname__", "")) for base in _mro(cls)}
    if ("numpy", "ndarray") in names:
        return "array"
    if any(module.startswith("pandas") and name == "DataFrame" for module, name in names):
        return "table"
    if cls in (bool, int, float, complex, str, bytes, list, tuple, dict, set, type(None)):
        return "value"
    return "object"


def _mro(cls: type) -> tuple[type, ...]:
    try:
        return tuple(cls.__mro__)
    except Exception:  # a student's metaclass may do anything
        return (cls,)


def _qualified(cls: type) -> str:
    try:
        text = f"{cls.__module__}.{cls.__qualname__}"
    except Exception:
        text = "unknown"
    return text[:MAX_TYPE_CHARS]
