"""What one probe request gets back: {"ok": true, ...the operation's fields} or {"ok": false,
"error": "..."}. Every payload field has a default, so a failed result of any operation is just
`Result.failed(why)`; a reader checks `ok` before anything else.

Fields made with `encoded()` hold Python values (numpy arrays, NaN) in the kernel and on the host,
and travel in the strict-JSON value encoding (grader/probe/jsonvalues.py) in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from grader.contract.codec import encoded, to_json


@dataclass(frozen=True, kw_only=True)
class ProbeResult:
    ok: bool
    error: str | None = None  # why the probe failed (for an artifact that failed to load: why it did not load)

    @classmethod
    def failed(cls, error: str) -> Self:
        return cls(ok=False, error=error)

    def to_json(self, *, encode: Any = None) -> dict[str, Any]:
        return to_json(self, encode=encode)


@dataclass(frozen=True, kw_only=True)
class CallResult(ProbeResult):
    value: Any = encoded()  # what the function returned


@dataclass(frozen=True, kw_only=True)
class DescribeResult(ProbeResult):
    exists: bool = False
    type: str = ""                      # module.qualname of the value's class
    bases: list[str] = field(default_factory=list)  # of every class in its MRO
    callable: bool = False
    length: int | None = None           # of a list, tuple or anything with len()
    shape: list[int] | None = None      # of an array, tensor or numeric list
    dtype: str | None = None
    min: float | None = encoded()       # NaN when the array holds one
    max: float | None = encoded()
    value: Any = encoded()              # scalars, and arrays up to 10,000 elements


@dataclass(frozen=True, kw_only=True)
class PredictResult(ProbeResult):
    value: Any = encoded()  # the predictions: a numeric array


@dataclass(frozen=True, kw_only=True)
class SampleResult(ProbeResult):
    value: Any = encoded()  # the samples: a float32 array, one sample per row


@dataclass(frozen=True, kw_only=True)
class ArtifactResult(ProbeResult):
    exists: bool = False
    size: int = 0
    loads: bool = False     # when False, `error` says why
    summary: str | None = None


@dataclass(frozen=True, kw_only=True)
class EnvironmentResult(ProbeResult):
    python: str = ""
    device: str = "cpu"
    torch: str | None = None
    tensorflow: str | None = None
    keras: str | None = None


@dataclass(frozen=True, kw_only=True)
class ModelResult(ProbeResult):
    # the framework-neutral description (grader/probe/introspect), validated on the host by
    # grader.architecture.description.ModelDescription
    description: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class GradcheckResult(ProbeResult):
    passed: bool = False
    target: str | None = None  # what was checked: autograd.Function, module class, module, function
    reason: str | None = None  # why it did not pass
    tamper: dict[str, Any] | None = None  # grader.architecture.description.TamperEvidence


@dataclass(frozen=True, kw_only=True)
class ParameterCount:
    """One row of a results table: the model it names, the count it states, the count it has."""

    model: str
    stated: float | None = None
    counted: int | None = None
    problem: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reevaluation:
    """The best row of a results table and its model's predictions on the public inputs."""

    key: str = ""
    reported: float | None = None
    predictions: Any = encoded()
    problem: str | None = None  # why it could not be re-evaluated


@dataclass(frozen=True, kw_only=True)
class TableResult(ProbeResult):
    type: str = ""
    table: bool = False                      # a pandas DataFrame; the fields below only then
    rows: int | None = None
    columns: list[str] = field(default_factory=list)
    distinct: dict[str, int] = field(default_factory=dict)  # column -> number of distinct values
    values: dict[str, list[str]] | None = None  # column -> its distinct values, for requested columns
    parameter_counts: list[ParameterCount] | None = None
    reevaluation: Reevaluation | None = None


@dataclass(frozen=True, kw_only=True)
class ReloadResult(ProbeResult):
    distinct: bool = False                   # the reloaded model is not the original object
    reloaded_differs: list[str] = field(default_factory=list)  # tensors that differ from the file's
    original_differs: list[str] = field(default_factory=list)
    uses_reloaded: bool = False              # disturbing it moves the predictions
    uses_original: bool = False


@dataclass(frozen=True, kw_only=True)
class PipelineStep:
    """One step of an augmentation pipeline, in order; containers come before their children."""

    name: str
    library: str
    depth: int
    p: float | None = None
    active: bool                             # it and every container around it can fire
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TransformsResult(ProbeResult):
    type: str = ""
    pipeline: bool = False
    via: str | None = None                   # "<name>.transform" when read through a dataset
    steps: list[PipelineStep] = field(default_factory=list)
    truncated: bool = False


NAME_KINDS = ("function", "class", "model", "layer", "array", "tensor", "table", "value", "object")


@dataclass(frozen=True, kw_only=True)
class DefinedName:
    """One name of the notebook's namespace and what it holds."""

    name: str
    kind: str                                # one of NAME_KINDS
    type: str = ""                           # the value's class (for a class: its own name)
    framework: str | None = None             # "pytorch" or "keras", for models, layers and their classes


@dataclass(frozen=True, kw_only=True)
class NamesResult(ProbeResult):
    defined: list[DefinedName] = field(default_factory=list)  # modules and private (_) names left out
    truncated: bool = False                  # more names than the cap
