"""Sandboxes run the harness on untrusted notebooks. Backends are found by name through the
`grader.sandboxes` entry points (see grader.sandbox.base).

The public names load on first use: every submission starts `python -m grader.sandbox.supervise`
inside its sandbox, which imports this package, and it must not pay for the spec models
(pydantic) that grader.sandbox.base brings in."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.sandbox.base import (
        DEFAULT_SANDBOX,
        Sandbox,
        SandboxRequest,
        SandboxResult,
        available_sandboxes,
        get_sandbox,
        self_check_sandbox,
    )

__all__ = ["DEFAULT_SANDBOX", "Sandbox", "SandboxRequest", "SandboxResult", "available_sandboxes", "get_sandbox",
           "self_check_sandbox"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("grader.sandbox.base"), name)
    raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
