"""The probe contract: what crosses between the host, the harness and the student's kernel.

- requests (grader.contract.requests): one dataclass per probe operation, planned by the checks on
  the host, written into job.json, run by grader.probe.runtime in the kernel;
- results (grader.contract.results): one dataclass per operation's result, written by the kernel,
  relayed by the harness into observations.json, validated on the host (grader/observations.py)
  and read by the checks;
- the cell record and the run's status values (grader.contract.execution), filled in by the
  harness and read by scoring;
- the JSON codec (grader.contract.codec): strict about types and unknown operations.

Only the stdlib (dataclasses, enum, typing): it is imported inside the student's kernel.
"""

from __future__ import annotations

from typing import Any, TypeVar

from grader.contract.codec import Codec, ContractError, from_json, to_json
from grader.contract.execution import CellLine, CellRecord, CellStatus, Execution, Overrun, RunStatus
from grader.contract.requests import (
    REQUESTS,
    ArtifactRequest,
    BestRow,
    CallRequest,
    CountColumns,
    DescribeRequest,
    EnvironmentRequest,
    GradcheckRequest,
    InputSpec,
    ModelBuild,
    ModelRequest,
    NamesRequest,
    PredictRequest,
    ProbeRequest,
    ReloadRequest,
    SampleRequest,
    TableRequest,
    TransformsRequest,
    request_from_json,
    requests_from_json,
)
from grader.contract.results import (
    ArtifactResult,
    CallResult,
    DefinedName,
    DescribeResult,
    EnvironmentResult,
    GradcheckResult,
    ModelResult,
    NamesResult,
    ParameterCount,
    PipelineStep,
    PredictResult,
    ProbeResult,
    Reevaluation,
    ReloadResult,
    SampleResult,
    TableResult,
    TransformsResult,
)

R = TypeVar("R", bound=ProbeResult)


def result_from_json(kind: type[R], data: Any, *, decode: Codec | None = None) -> R:
    """A result of `kind` from the JSON object the kernel wrote (untrusted on the host): types
    checked, encoded values decoded with `decode`, keys the contract does not know ignored."""
    return from_json(kind, data, decode=decode, unknown="ignore")


__all__ = [
    "REQUESTS", "ArtifactRequest", "ArtifactResult", "BestRow", "CallRequest", "CallResult", "CellLine", "CellRecord",
    "CellStatus", "Codec", "ContractError", "CountColumns", "DefinedName", "DescribeRequest", "DescribeResult",
    "EnvironmentRequest", "EnvironmentResult", "Execution", "GradcheckRequest", "GradcheckResult", "InputSpec",
    "ModelBuild", "ModelRequest", "ModelResult", "NamesRequest", "NamesResult", "Overrun", "ParameterCount",
    "PipelineStep",
    "PredictRequest", "PredictResult", "ProbeRequest", "ProbeResult", "Reevaluation", "ReloadRequest", "ReloadResult",
    "RunStatus", "SampleRequest", "SampleResult", "TableRequest", "TableResult", "TransformsRequest",
    "TransformsResult", "from_json", "request_from_json", "requests_from_json", "result_from_json", "to_json",
]
