"""The `unisolated` backend: the kernel is a plain child process with resource limits and a
scrubbed environment. It sees and may write whatever the grading user can, so it is for a
student's self-check of their own notebook, or for an instructor who names it explicitly
(`--sandbox unisolated`) on a machine without namespaces. See docs/sandbox.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grader.sandbox.base import SandboxRequest
from grader.sandbox.limits import limit_arguments
from grader.sandbox.process import KernelConfinement, ProcessSandbox

UNISOLATED_NOTE = ("unisolated sandbox: the notebook ran as the grading user without namespaces; it could read "
                   "and write that user's files")


class UnisolatedSandbox(ProcessSandbox):
    name = "unisolated"

    def confine(self, root: Path, request: SandboxRequest, limits: dict[str, int]) -> KernelConfinement:
        notes = [UNISOLATED_NOTE]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            notes.append("running as root: the process limit (RLIMIT_NPROC) is not enforced")
        prefix = [sys.executable, "-P", "-m", "grader.sandbox.launch", *limit_arguments(limits), "--"]
        return KernelConfinement(prefix=prefix, notes=notes)
