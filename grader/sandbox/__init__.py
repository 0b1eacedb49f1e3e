"""Sandboxes run the harness on untrusted notebooks. Backends register by name."""

from grader.sandbox.base import Sandbox, SandboxRequest, SandboxResult, available_sandboxes, get_sandbox

__all__ = ["Sandbox", "SandboxRequest", "SandboxResult", "available_sandboxes", "get_sandbox"]
