"""Command-line overrides of an assignment's limits and resources (`grader grade --memory 8GiB`).

They produce an updated copy of the loaded assignment, validated like the YAML it came from, so
every backend sees one consistent spec and never a second source of limits.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, ValidationError

from grader.checks.triage import looked_up
from grader.course import LoadedAssignment
from grader.errors import UsageError
from grader.spec.assignment import Limits, Resources

SECTIONS: dict[str, type[BaseModel]] = {"limits": Limits, "resources": Resources}


def with_overrides(assignment: LoadedAssignment, overrides: dict[str, Any]) -> LoadedAssignment:
    """A copy of assignment with overrides ({"memory": "8GiB", "total_timeout": 60, ...}; a key is
    a field of `limits` or `resources`) applied. Unknown keys and invalid values are usage errors."""
    if not overrides:
        return assignment
    known = sorted(key for model in SECTIONS.values() for key in model.model_fields)
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise UsageError(f"unknown limit {', '.join(unknown)}; known: {', '.join(known)}")
    spec = assignment.spec
    updated: dict[str, Any] = {}
    for section, model in SECTIONS.items():
        mine = {key: value for key, value in overrides.items() if key in model.model_fields}
        if not mine:
            continue
        try:
            updated[section] = model.model_validate({**getattr(spec, section).model_dump(), **mine})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise UsageError(f"invalid override: {problems}") from None
    return dataclasses.replace(assignment, spec=spec.model_copy(update=updated))


def parse_key_values(pairs: tuple[str, ...], *, option: str = "--limit", example: str = "memory=8GiB"
                     ) -> dict[str, str]:
    """KEY=VALUE strings (from a repeated option) as a dict."""
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {pair!r}: use KEY=VALUE, e.g. {option} {example}")
        parsed[key.strip().replace("-", "_")] = value.strip()
    return parsed


def object_names(assignment: LoadedAssignment, pairs: tuple[str, ...]) -> dict[str, str]:
    """`--object KEY=NAME` options as {name the checks look up: the notebook's NAME}. KEY is a
    role of the assignment's `objects:` (predict) or any name the rubric's checks look up
    (model, HIDDEN_SIZES); anything else is a usage error that lists them."""
    wanted: dict[str, None] = {}
    for check in assignment.rubric.checks:
        wanted.update(dict.fromkeys(looked_up(check, assignment.params[check.id], assignment.spec)))
    names = {}
    for key, name in parse_key_values(pairs, option="--object", example="predict=my_predict").items():
        expected = assignment.spec.objects.get(key, key)
        if expected not in wanted:
            raise UsageError(f"--object {key}={name}: {assignment.id}'s checks look up no name {key!r}; "
                             f"they look up: {', '.join(wanted) or 'none'}")
        if not name.isidentifier():
            raise UsageError(f"--object {key}={name}: {name!r} is not a Python name")
        names[expected] = name
    return names
