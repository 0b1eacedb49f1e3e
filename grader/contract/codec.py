"""The contract's dataclasses to and from JSON objects, with the field types checked on the way in.

Only the stdlib: this runs inside the student's kernel. Values that travel in the strict-JSON
value encoding (grader/probe/jsonvalues.py: arrays as base64, NaN as a marker) are marked with
`encoded()`; the codec is handed in by the caller (`encode` in the kernel, `decode` on the host),
so the contract itself imports no numpy and nothing of grader.probe.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any, Literal, TypeVar, Union

ENCODED = "grader.encoded"    # field metadata: the value travels in the strict-JSON value encoding
WIRE_NAME = "grader.wire"     # field metadata: its key in JSON when that is no Python name ("class")

Codec = Callable[[Any], Any]
T = TypeVar("T")


class ContractError(ValueError):
    """JSON that does not fit the contract: an unknown operation, a missing field, a wrong type."""


def encoded(**options: Any) -> Any:
    """A field whose value travels in the strict-JSON value encoding (default: None)."""
    options.setdefault("default", None)
    return dataclasses.field(metadata={ENCODED: True}, **options)


def wire_name(name: str, **options: Any) -> Any:
    """A field whose JSON key is `name` (a Python keyword such as `class`)."""
    return dataclasses.field(metadata={WIRE_NAME: name}, **options)


def to_json(item: Any, *, encode: Codec | None = None) -> dict[str, Any]:
    """The JSON object of a contract dataclass. Fields that are None are left out (a reader gets
    their default back); encoded fields go through `encode` when it is given."""
    data: dict[str, Any] = {}
    for field in dataclasses.fields(item):
        value = getattr(item, field.name)
        if value is None:
            continue
        if field.metadata.get(ENCODED) and encode is not None:
            value = encode(value)
        data[field.metadata.get(WIRE_NAME, field.name)] = _plain(value, encode)
    return data


def _plain(value: Any, encode: Codec | None) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(value, encode=encode)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(item, encode) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, encode) for key, item in value.items()}
    return value


def from_json(cls: type[T], data: Any, *, decode: Codec | None = None, unknown: Literal["forbid", "ignore"] = "forbid",
              path: str | None = None) -> T:
    """An instance of the dataclass `cls` from a JSON object, every field's type checked (nested
    contract dataclasses too). Missing fields take their defaults; a missing required field, a
    value of the wrong type or (with unknown="forbid") a key the contract does not know raises
    ContractError. Encoded fields go through `decode` first when it is given."""
    where = path or cls.__name__
    if not isinstance(data, dict):
        raise ContractError(f"{where}: expected an object, got {_kind(data)}")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    keys = set()
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = field.metadata.get(WIRE_NAME, field.name)
        keys.add(key)
        if key not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ContractError(f"{where}: '{key}' is missing")
            continue
        value = data[key]
        if field.metadata.get(ENCODED) and decode is not None:
            try:
                value = decode(value)
            except Exception as exc:  # a malformed array or marker: the codec's own error, located
                raise ContractError(f"{where}.{key}: {type(exc).__name__}: {exc}") from None
        values[field.name] = _checked(value, hints[field.name], f"{where}.{key}", decode, unknown)
    extra = sorted(str(key) for key in data if key not in keys)
    if extra and unknown == "forbid":
        raise ContractError(f"{where}: unknown field(s) {', '.join(extra)}")
    return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _checked(value: Any, hint: Any, where: str, decode: Codec | None, unknown: Literal["forbid", "ignore"]) -> Any:
    """value as the annotation `hint` wants it (a nested dataclass built, an enum member), or
    ContractError."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if hint is type(None):
        if value is None:
            return None
    elif origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [option for option in args if option is not type(None)]
        if len(options) == 1:  # X | None: X's own error says more
            return _checked(value, options[0], where, decode, unknown)
        for option in options:
            try:
                return _checked(value, option, where, decode, unknown)
            except ContractError:
                continue
    elif origin is Literal:
        if value in args and isinstance(value, str | int):
            return value
    elif origin is list:
        if isinstance(value, list):
            return [_checked(item, args[0], f"{where}[{n}]", decode, unknown) for n, item in enumerate(value)]
    elif origin is dict:
        if isinstance(value, dict) and all(isinstance(key, str) for key in value):
            return {key: _checked(item, args[1], f"{where}.{key}", decode, unknown) for key, item in value.items()}
    elif dataclasses.is_dataclass(hint):
        return from_json(hint, value, decode=decode, unknown=unknown, path=where)  # type: ignore[arg-type]
    elif isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            pass
    elif hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    elif hint is str:
        if isinstance(value, str):
            return value
    else:
        raise TypeError(f"the contract cannot check {hint!r} ({where})")
    raise ContractError(f"{where}: expected {_name(hint)}, got {_kind(value)}")


def _name(hint: Any) -> str:
    if isinstance(hint, type) and typing.get_origin(hint) is None:
        return "null" if hint is type(None) else hint.__name__
    return str(hint).replace("typing.", "").replace("NoneType", "null")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
