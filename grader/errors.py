"""Errors that carry the exit code a pipeline should see (see docs/exit-codes.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    PASSED = 0
    BELOW_PASS_MARK = 1
    USAGE = 2
    UNGRADABLE = 3
    INFRASTRUCTURE = 4
    NEEDS_REVIEW = 5  # graded, but a person must look: the notebook does not fit what the checks look up

    @property
    def severity(self) -> int:
        """Rank for a batch's worst code: 0 < 1 < 5 < 3 < 2 < 4 (docs/exit-codes.md). A grade that
        needs review is worse than one below the pass mark (someone must act) and better than no
        grade at all."""
        return SEVERITY.index(self)


SEVERITY = (ExitCode.PASSED, ExitCode.BELOW_PASS_MARK, ExitCode.NEEDS_REVIEW, ExitCode.UNGRADABLE, ExitCode.USAGE,
            ExitCode.INFRASTRUCTURE)


class GraderError(Exception):
    """Base class: every grader error knows which exit code it maps to."""

    exit_code: ExitCode = ExitCode.INFRASTRUCTURE


class SpecError(GraderError):
    """An assignment spec or rubric is invalid; the message names the file, key and line."""

    exit_code = ExitCode.USAGE


class UsageError(GraderError):
    """The user asked for something that cannot be done (unknown assignment, bad option)."""

    exit_code = ExitCode.USAGE


class InfrastructureError(GraderError):
    """Our side failed (kernel would not start, engine missing): retrying may help."""

    exit_code = ExitCode.INFRASTRUCTURE
