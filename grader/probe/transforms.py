"""Read an augmentation pipeline object in the kernel (albumentations Compose with nested
OneOf/SomeOf/Sequential, torchvision transforms.Compose or transforms.v2.Compose with
RandomApply/RandomChoice/RandomOrder) into a flat JSON list of steps: class name, nesting depth,
probability and a few simple settings. What the pipeline does is read from the object the notebook
built, never from its source text."""

from __future__ import annotations

import numbers
from typing import Any

from grader.contract import PipelineStep, TransformsRequest, TransformsResult

MAX_STEPS = 200
MAX_SETTINGS = 20
LIBRARIES = ("albumentations", "torchvision")
# Bookkeeping attributes that say nothing about what a step does to an image.
IGNORED = {"p", "transforms", "transforms_ps", "training", "params", "processors", "seed", "random_generator",
           "py_random", "invalid_args", "replay_mode", "mask_interpolation", "save_applied_params",
           "check_each_transform", "is_check_args", "is_check_shapes", "strict", "main_compose"}


def read_pipeline(request: TransformsRequest, namespace: dict) -> TransformsResult:
    name = request.name
    if name not in namespace:
        raise NameError(f"name '{name}' is not defined in the notebook")
    value, via = namespace[name], None
    if not _is_pipeline(value) and _is_pipeline(getattr(value, "transform", None)):
        value, via = value.transform, f"{name}.transform"  # a dataset: the pipeline it applies
    if not _is_pipeline(value):
        return TransformsResult(ok=True, type=_qualified(value), pipeline=False, via=via)
    steps: list[PipelineStep] = []
    _walk(value, 0, True, None, steps)
    return TransformsResult(ok=True, type=_qualified(value), pipeline=True, via=via, steps=steps[:MAX_STEPS],
                            truncated=len(steps) > MAX_STEPS)


def _is_pipeline(value: Any) -> bool:
    """A callable transform of a known library, or a callable holding a list of them (a custom
    Compose); a dataset of those libraries is no transform but may hold one."""
    if not callable(value):
        return False
    library = type(value).__module__.split(".")[0]
    return library in LIBRARIES or isinstance(getattr(value, "transforms", None), (list, tuple))


def _walk(step: Any, depth: int, active: bool, weight: float | None, steps: list[PipelineStep]) -> None:
    """Append step and its children in order; a step is active when it and every container
    around it can fire (p > 0, and a nonzero weight inside RandomChoice)."""
    if len(steps) > MAX_STEPS:
        return
    p = _number(getattr(step, "p", None))
    probability = weight if p is None else p
    active = active and (probability is None or probability > 0)
    steps.append(PipelineStep(name=type(step).__name__, library=type(step).__module__.split(".")[0], depth=depth,
                              p=probability, active=active, settings=_settings(step)))
    children = getattr(step, "transforms", None)
    if not isinstance(children, (list, tuple)):
        return
    weights = getattr(step, "p", None)
    weights = list(weights) if isinstance(weights, (list, tuple)) and len(weights) == len(children) else None
    for index, child in enumerate(children):
        _walk(child, depth + 1, active, _number(weights[index]) if weights else None, steps)


def _settings(step: Any) -> dict[str, Any]:
    """Public attributes with plain values: numbers, strings, short numeric ranges."""
    found: dict[str, Any] = {}
    for key, value in sorted(getattr(step, "__dict__", {}).items()):
        if key.startswith("_") or key in IGNORED or len(found) >= MAX_SETTINGS:
            continue
        plain = _plain(value)
        if plain is not _SKIP:
            found[key] = plain
    return found


_SKIP = object()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value[:100] if isinstance(value, str) else value
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 8:
        numbers_ = [_number(item) for item in value]
        if all(n is not None for n in numbers_):
            return numbers_
    return _SKIP


def _number(value: Any) -> int | float | None:
    """A finite real number as a plain int or float; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def _qualified(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"
