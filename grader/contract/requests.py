"""What the host asks of the kernel: one request class per probe operation, with the operation's
name (`op`) and the class of its result as class constants.

Requests carry inputs only, never expected values. Argument values (`args`, `kwargs`,
`init_args`, ...) are already in the strict-JSON value encoding (grader.checks.values.to_wire);
the kernel decodes them. `inputs` is the path of an evaluation inputs file, relative to the
sandbox on the host and made absolute by the harness (`relocated`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, Self

from grader.contract.codec import ContractError, from_json, to_json, wire_name
from grader.contract.results import (
    ArtifactResult,
    CallResult,
    DescribeResult,
    EnvironmentResult,
    GradcheckResult,
    ModelResult,
    NamesResult,
    PredictResult,
    ProbeResult,
    ReloadResult,
    SampleResult,
    TableResult,
    TransformsResult,
)


@dataclass(frozen=True, kw_only=True)
class ProbeRequest:
    op: ClassVar[str]
    Result: ClassVar[type[ProbeResult]]

    id: str  # unique within a job; checks asking the same question share one
    # the fields holding a name the kernel looks up, each with what the name is used as
    # ("callable", "model", "class", "table" or "value"): the host's triage reads them
    looks_up: ClassVar[Mapping[str, str]] = {}

    def names(self) -> dict[str, str]:
        """The notebook's names this request looks up, each with what it is used as."""
        return {value: use for key, use in self.looks_up.items() if isinstance(value := getattr(self, key), str)}

    def renamed(self, names: Mapping[str, str]) -> Self:
        """This request, same id, with each name it looks up replaced by names.get(name, name): an
        instructor's per-student override of the names a rubric expects."""
        changes = {key: names[value] for key in self.looks_up
                   if isinstance(value := getattr(self, key), str) and value in names}
        return replace(self, **changes) if changes else self

    def to_json(self) -> dict[str, Any]:
        """{"id": ..., "op": ..., the fields that are not None}."""
        data = to_json(self)
        return {"id": data.pop("id"), "op": self.op, **data}

    def relocated(self, resolve: Callable[[str], str]) -> Self:
        """This request with the path of its evaluation inputs (if it reads any) passed through resolve."""
        inputs = getattr(self, "inputs", None)
        # `inputs` is a field of some subclasses only, which replace() on Self cannot name
        return replace(self, **{"inputs": resolve(inputs)}) if isinstance(inputs, str) else self  # noqa: PIE804


@dataclass(frozen=True, kw_only=True)
class CallRequest(ProbeRequest):
    """Call a function of the notebook on the rubric's arguments."""

    op = "call"
    Result = CallResult
    looks_up = {"name": "callable"}
    name: str
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class DescribeRequest(ProbeRequest):
    """Type, shape, dtype, range and (when small) value of a name in the notebook."""

    op = "describe"
    Result = DescribeResult
    looks_up = {"name": "value"}
    name: str


@dataclass(frozen=True, kw_only=True)
class PredictRequest(ProbeRequest):
    """The predict callable on an evaluation inputs file (its labels stay on the host)."""

    op = "predict"
    Result = PredictResult
    looks_up = {"callable": "callable"}
    callable: str
    inputs: str


@dataclass(frozen=True, kw_only=True)
class SampleRequest(ProbeRequest):
    """`n` samples from a generator callable, under fixed seeds."""

    op = "sample"
    Result = SampleResult
    looks_up = {"callable": "callable"}
    callable: str
    n: int
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ArtifactRequest(ProbeRequest):
    """Whether a file the notebook wrote exists and loads (path relative to the notebook)."""

    op = "artifact"
    Result = ArtifactResult
    path: str
    loader: str = "exists"  # exists, numpy, json, torch, keras, text


@dataclass(frozen=True, kw_only=True)
class EnvironmentRequest(ProbeRequest):
    """Versions and device of what the notebook imported; the harness asks it of every run."""

    op = "environment"
    Result = EnvironmentResult


@dataclass(frozen=True, kw_only=True)
class ModelBuild:
    """A fresh model from the student's class, instead of a model in the notebook."""

    class_name: str = wire_name("class")
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class InputSpec:
    """One input of a model: a sample's shape (no batch axis) and its dtype."""

    shape: list[int]
    dtype: str | None = None


@dataclass(frozen=True, kw_only=True)
class ModelRequest(ProbeRequest):
    """The description of a model from a real forward pass: `name` in the notebook, or `build`."""

    op = "model"
    Result = ModelResult
    looks_up = {"name": "model"}
    mode: str = "train"  # train or eval
    build: ModelBuild | None = None
    name: str | None = None
    input_specs: list[InputSpec] | None = None  # None: guessed from the model
    batch: int | None = None

    def names(self) -> dict[str, str]:
        return {**super().names(), **({self.build.class_name: "class"} if self.build else {})}

    def renamed(self, names: Mapping[str, str]) -> Self:
        request = super().renamed(names)
        build = request.build
        if build is None or build.class_name not in names:
            return request
        return replace(request, build=replace(build, class_name=names[build.class_name]))


@dataclass(frozen=True, kw_only=True)
class GradcheckRequest(ProbeRequest):
    """torch.autograd.gradcheck of a Function, a module (class) or a function, in float64."""

    op = "gradcheck"
    Result = GradcheckResult
    looks_up = {"name": "callable"}
    name: str
    input_shapes: list[list[int]]
    init_args: list[Any] = field(default_factory=list)
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    eps: float = 1e-6
    atol: float = 1e-4


@dataclass(frozen=True, kw_only=True)
class CountColumns:
    """The table's column naming a model and the column stating its parameter count."""

    model_column: str
    count_column: str


@dataclass(frozen=True, kw_only=True)
class BestRow:
    """Re-evaluate the row with the best `column`: `key` names an entry of the dict `models`."""

    models: str
    key: str
    column: str
    pick: Literal["min", "max"]


@dataclass(frozen=True, kw_only=True)
class TableRequest(ProbeRequest):
    """A results table (a pandas DataFrame): size, columns and what the check needs of it."""

    op = "table"
    Result = TableResult
    looks_up = {"name": "table"}
    name: str
    values: list[str] | None = None  # columns whose distinct values come back (the required ones stay home)
    parameter_counts: CountColumns | None = None
    reevaluate: BestRow | None = None
    inputs: str | None = None  # with reevaluate

    def names(self) -> dict[str, str]:
        return {**super().names(), **({self.reevaluate.models: "value"} if self.reevaluate else {})}

    def renamed(self, names: Mapping[str, str]) -> Self:
        request = super().renamed(names)
        best = request.reevaluate
        if best is None or best.models not in names:
            return request
        return replace(request, reevaluate=replace(best, models=names[best.models]))


@dataclass(frozen=True, kw_only=True)
class ReloadRequest(ProbeRequest):
    """Was `model` loaded from `path` as a new instance, and does `callable` use it?"""

    op = "reload"
    Result = ReloadResult
    looks_up = {"model": "model", "original": "model", "callable": "callable"}
    path: str
    model: str
    original: str
    callable: str
    inputs: str


@dataclass(frozen=True, kw_only=True)
class TransformsRequest(ProbeRequest):
    """The steps of an augmentation pipeline (or of a dataset's .transform)."""

    op = "transforms"
    Result = TransformsResult
    looks_up = {"name": "value"}
    name: str


@dataclass(frozen=True, kw_only=True)
class NamesRequest(ProbeRequest):
    """The names the notebook defined and what each is (a function, a torch Module, a Keras
    Model, ...): the host's triage compares them with the names the checks look up."""

    op = "names"
    Result = NamesResult


REQUESTS: dict[str, type[ProbeRequest]] = {cls.op: cls for cls in (
    CallRequest, DescribeRequest, PredictRequest, SampleRequest, ArtifactRequest, EnvironmentRequest, ModelRequest,
    GradcheckRequest, TableRequest, ReloadRequest, TransformsRequest, NamesRequest)}


def request_from_json(data: Any) -> ProbeRequest:
    """The typed request of a JSON object; ContractError for an unknown operation, a missing or
    unknown field, or a value of the wrong type."""
    if not isinstance(data, dict):
        raise ContractError(f"a probe request is an object, not {type(data).__name__}")
    op = data.get("op")
    cls = REQUESTS.get(op) if isinstance(op, str) else None
    if cls is None:
        raise ContractError(f"unknown probe operation {op!r} (known: {', '.join(sorted(REQUESTS))})")
    return from_json(cls, {key: value for key, value in data.items() if key != "op"}, unknown="forbid")


def requests_from_json(data: Any) -> list[ProbeRequest]:
    if not isinstance(data, list):
        raise ContractError(f"probe requests are a list, not {type(data).__name__}")
    return [request_from_json(item) for item in data]
