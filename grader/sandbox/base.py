"""The interface every sandbox backend implements, and the registry that names them."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Protocol

from grader.errors import InfrastructureError, UsageError
from grader.harness.budget import WALL_FACTOR
from grader.harness.job import HarnessJob
from grader.harness.progress import ProgressSink
from grader.sandbox.supervise import peak_memory_mb
from grader.spec.assignment import Resources


@dataclass
class SandboxRequest:
    """What to run: the job for the harness plus the files it needs staged beside it."""

    job: HarnessJob
    notebook: Path                                          # the submission; read, never modified
    resources: Resources
    files: dict[str, bytes] = field(default_factory=dict)   # sandbox-relative path -> content
    datasets: list[str] = field(default_factory=list)
    progress: ProgressSink | None = None                    # hears where the run is, for a display only

    @property
    def wall_timeout(self) -> float:
        """Hard stop for the whole run: the notebook's and the probes' wall-clock backstops (their
        budgets are CPU time: grader.harness.budget) and time to start a kernel."""
        return WALL_FACTOR * (self.job.total_timeout + self.job.probe_timeout) + 60


@dataclass
class SandboxResult:
    """What came back. `observations` is untrusted text; the host validates it before use."""

    observations: str | None
    executed_notebook: bytes | None
    killed: str | None = None          # why the sandbox had to be stopped from outside, if it was
    timed_out: bool = False            # stopped by the wall clock
    log_tail: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # e.g. limits this platform could not enforce
    failed: str | None = None          # the grading machinery itself failed (not the notebook's fault)

    @property
    def peak_memory_mb(self) -> float | None:
        """Largest resident memory of the notebook's processes, as the supervisor reported it."""
        return peak_memory_mb(self.log_tail)

    @classmethod
    def from_outdir(cls, outdir: Path, *, observations_cap: int, notebook_cap: int = 64 * 1024**2,
                    **fields: object) -> SandboxResult:
        """Read the harness's output files, refusing anything over its size cap."""
        observations = _read_capped(outdir / "observations.json", observations_cap)
        executed = _read_capped(outdir / "executed.ipynb", notebook_cap)
        return cls(observations=observations.decode("utf-8", errors="replace") if observations else None,
                   executed_notebook=executed, **fields)  # type: ignore[arg-type]


def _read_capped(path: Path, cap: int) -> bytes | None:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > cap:
            return None
        return path.read_bytes()
    except OSError:
        return None


class Started(Protocol):
    """A sandbox started ahead of its notebook: `finish` runs it, `cancel` discards it."""

    def finish(self) -> SandboxResult: ...

    def cancel(self) -> None: ...


class Sandbox(abc.ABC):
    """Runs one request in isolation and always returns a result (never raises for student code)."""

    name: str
    # True when `start(request)` really starts the sandbox ahead (processes, kernel): executors
    # then start the next submission while the current one runs.
    prestarts: bool = False

    @abc.abstractmethod
    def run(self, request: SandboxRequest) -> SandboxResult: ...

    def start(self, request: SandboxRequest) -> Started:
        """Start ahead where the backend can; by default nothing happens until `finish`."""
        return _Deferred(self, request)


@dataclass
class _Deferred:
    sandbox: Sandbox
    request: SandboxRequest

    def finish(self) -> SandboxResult:
        return self.sandbox.run(self.request)

    def cancel(self) -> None:
        """Nothing was started."""


# Backends are found through the `grader.sandboxes` entry points (pyproject.toml), as papermill
# finds its engines: this module never imports them, and another package can add one.
ENTRY_POINTS = "grader.sandboxes"
DEFAULT_SANDBOX = "namespaces"


def _backends() -> dict[str, EntryPoint]:
    return {point.name: point for point in entry_points(group=ENTRY_POINTS)}


def available_sandboxes() -> list[str]:
    return sorted(_backends())


def get_sandbox(name: str, **options: object) -> Sandbox:
    backends = _backends()
    if name not in backends:
        available = ", ".join(sorted(backends)) or "none (is grader installed?)"
        raise UsageError(f"unknown sandbox {name!r}; available: {available}")
    factory: Callable[..., Sandbox] = backends[name].load()
    return factory(**options)


def self_check_sandbox() -> tuple[Sandbox, str | None]:
    """For a student checking their own notebook: the isolating default where this machine has
    it, else the unisolated backend and why (said in the output and in grade.json notes)."""
    try:
        return get_sandbox(DEFAULT_SANDBOX), None
    except InfrastructureError as exc:
        return get_sandbox("unisolated"), str(exc)
