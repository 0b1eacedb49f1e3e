"""Turn pydantic validation errors into messages a course author can act on."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from grader.errors import SpecError
from grader.spec.yamlfile import Location, line_of

M = TypeVar("M", bound=BaseModel)


def validate_model(
    model: type[M], data: Any, *, path: Path, lines: dict[Location, int], prefix: Location = (), context: Any = None
) -> M:
    """Validate data against model or raise one SpecError listing every problem with its line.
    `context` reaches the model's validators (an assignment's SpecContext)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise SpecError(describe_errors(exc, model, path=path, lines=lines, prefix=prefix)) from None


def describe_errors(
    exc: ValidationError, model: type[BaseModel], *, path: Path, lines: dict[Location, int], prefix: Location = ()
) -> str:
    problems = []
    for error in exc.errors():
        loc = prefix + tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(allowed_keys(model, tuple(error["loc"])[:-1])))
            problems.append(located(path, lines, loc, f"unknown key; allowed keys here: {allowed}"))
        elif error["type"] == "missing":
            problems.append(located(path, lines, loc, "required key is missing"))
        else:
            problems.append(located(path, lines, loc, error["msg"]))
    return "invalid " + path.name + ":\n  " + "\n  ".join(problems)


def located(path: Path, lines: dict[Location, int], loc: Location, message: str) -> str:
    """`path:line: key: message` for the key at `loc` (its nearest known parent's line if it is missing)."""
    line = line_of(lines, loc)
    return f"{f'{path}:{line}' if line else path}: {format_location(loc) or '(top level)'}: {message}"


def format_location(loc: Location) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def allowed_keys(model: type[BaseModel], loc: Location) -> list[str]:
    """Field names of the model found by walking loc through nested models, lists and dicts."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, str) and part in current.model_fields:
            current = _nested_model(current.model_fields[part].annotation)
    return list(current.model_fields) if current else []


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):  # list[X], dict[str, X], X | None
        found = _nested_model(arg)
        if found is not None:
            return found
    return None
