"""Probe operations run inside the kernel after the notebook: each takes its typed request
(grader.contract), reads the student's namespace and writes one JSON result file. The harness runs
every request as its own cell so one hanging or crashing probe costs only itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.contract import (
    ArtifactRequest,
    ArtifactResult,
    CallRequest,
    CallResult,
    DescribeRequest,
    DescribeResult,
    EnvironmentRequest,
    EnvironmentResult,
    GradcheckRequest,
    GradcheckResult,
    ModelRequest,
    ModelResult,
    NamesRequest,
    PredictRequest,
    PredictResult,
    ProbeRequest,
    ProbeResult,
    ReloadRequest,
    ReloadResult,
    SampleRequest,
    SampleResult,
    TableRequest,
    TableResult,
    TransformsRequest,
    TransformsResult,
    request_from_json,
    to_json,
)
from grader.probe.jsonvalues import as_numpy, decode, encode
from grader.probe.names import defined_names, lookup
from grader.text import exception_text

if TYPE_CHECKING:  # numpy is imported where it is used
    import numpy as np

_json_dumps = json.dumps  # kept before student code runs: the notebook may replace json.dumps
_replace = os.replace


def run_request(data: dict[str, Any], namespace: dict, result_path: str) -> None:
    """Run one probe request (its JSON, grader.contract) against namespace and write its result,
    {"ok": ..., ...}, to result_path."""
    try:
        request = request_from_json(data)
        result = OPERATIONS[type(request)](request, namespace)
        if not isinstance(result, request.Result):
            raise TypeError(f"the {request.op} probe returned a {type(result).__name__}")
        payload = result.to_json(encode=encode)  # in here: a student's object may fail to encode
    except BaseException as exc:  # student code may raise SystemExit, KeyboardInterrupt, anything
        payload = ProbeResult.failed(exception_text(exc, 2000)).to_json()
    tmp = result_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(_json_dumps(payload, allow_nan=False))
    _replace(tmp, result_path)


def call(request: CallRequest, namespace: dict) -> CallResult:
    function = lookup(namespace, request.name)
    if not callable(function):
        raise TypeError(f"'{request.name}' is a {type(function).__name__}, not a function")
    args = [decode(arg) for arg in request.args]
    kwargs = {key: decode(value) for key, value in request.kwargs.items()}
    return CallResult(ok=True, value=function(*args, **kwargs))


def describe(request: DescribeRequest, namespace: dict) -> DescribeResult:
    name = request.name
    if name not in namespace:
        return DescribeResult(ok=True, exists=False)
    value = namespace[name]
    kind = type(value)
    info: dict[str, Any] = {
        "exists": True,
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "bases": [f"{base.__module__}.{base.__qualname__}" for base in kind.__mro__],
        "callable": callable(value),
    }
    array = as_numpy(value)
    if array is None and isinstance(value, (list, tuple)):
        info["length"] = len(value)
        try:
            import numpy as np

            candidate = np.asarray(value)
            array = candidate if candidate.dtype.kind in "biuf" else None
        except Exception:
            array = None
    if array is not None:
        info.update(shape=list(array.shape), dtype=str(array.dtype))
        if array.size and array.dtype.kind in "biuf":
            info.update(min=float(array.min()), max=float(array.max()))
        if array.size <= 10_000:
            info["value"] = array
    elif isinstance(value, (bool, int, float, str)) or value is None:
        info["value"] = value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            info.update(min=float(value), max=float(value))
    elif hasattr(value, "__len__"):
        try:
            info["length"] = len(value)
        except Exception:
            pass
    return DescribeResult(ok=True, **info)


def predict(request: PredictRequest, namespace: dict) -> PredictResult:
    import numpy as np

    function = lookup(namespace, request.callable)
    inputs = np.load(request.inputs, allow_pickle=False)
    return PredictResult(ok=True, value=_numbers(function(inputs), "predictions"))


def _numbers(outputs: Any, what: str) -> np.ndarray:
    """outputs (array, tensor, nested lists) as a numeric numpy array, or a TypeError naming `what`."""
    import numpy as np

    array = as_numpy(outputs)
    if array is None:
        array = np.asarray(outputs)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} have dtype {array.dtype}; expected numbers")
    return array


def sample(request: SampleRequest, namespace: dict) -> SampleResult:
    """Draw `n` samples from a generator callable under fixed seeds (so a grade is repeatable),
    as float32: half of float64's size leaves the kernel, and images need no more precision."""
    import sys

    import numpy as np

    function = lookup(namespace, request.callable)
    seed = 0  # the same samples on every run
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)
    outputs = function(request.n, **{key: decode(value) for key, value in request.kwargs.items()})
    return SampleResult(ok=True, value=_numbers(outputs, "samples").astype(np.float32))


def artifact(request: ArtifactRequest, namespace: dict) -> ArtifactResult:
    path = Path(request.path)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError("artifact paths are relative to the notebook's folder")
    if not path.is_file():
        return ArtifactResult(ok=True, exists=False)
    size = path.stat().st_size
    loader = LOADERS[request.loader]
    try:
        return ArtifactResult(ok=True, exists=True, size=size, summary=loader(path), loads=True)
    except Exception as exc:
        return ArtifactResult(ok=True, exists=True, size=size, loads=False, error=exception_text(exc, 2000))


def _load_numpy(path: Path) -> str:
    import numpy as np

    loaded = np.load(path, allow_pickle=False)
    return f"{type(loaded).__name__}"


def _load_json(path: Path) -> str:
    with open(path, encoding="utf-8") as handle:
        return type(json.load(handle)).__name__


def _load_torch(path: Path) -> str:
    import torch

    return type(torch.load(path, map_location="cpu", weights_only=False)).__name__


def _load_keras(path: Path) -> str:
    import keras

    return type(keras.models.load_model(path)).__name__


def _load_text(path: Path) -> str:
    return f"{len(path.read_text(encoding='utf-8', errors='replace'))} characters"


LOADERS: dict[str, Callable[[Path], str]] = {
    "exists": lambda path: "file",
    "numpy": _load_numpy,
    "json": _load_json,
    "torch": _load_torch,
    "keras": _load_keras,
    "text": _load_text,
}

def environment(request: EnvironmentRequest, namespace: dict) -> EnvironmentResult:
    """Versions and device of what the notebook actually imported (nothing is imported here)."""
    import platform
    import sys

    info: dict[str, str] = {"python": platform.python_version(), "device": "cpu"}
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch"] = str(torch.__version__)
        if torch.cuda.is_available():
            info["device"] = f"cuda:{torch.cuda.current_device()} ({torch.cuda.get_device_name()})"
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None:
        info["tensorflow"] = str(tensorflow.__version__)
        gpus = tensorflow.config.list_physical_devices("GPU")
        if gpus and info["device"] == "cpu":
            info["device"] = gpus[0].name
    keras = sys.modules.get("keras")
    if keras is not None:
        info["keras"] = str(keras.__version__)
    return EnvironmentResult(ok=True, **info)


def model(request: ModelRequest, namespace: dict) -> ModelResult:
    """The description of a model in the notebook, or of a fresh one built from the student's
    class with the rubric's arguments (e.g. other hidden widths)."""
    from grader.probe.introspect import build_model, describe_model

    if request.build is not None:
        spec = request.build
        target = build_model(lookup(namespace, spec.class_name), [decode(a) for a in spec.args],
                             {k: decode(v) for k, v in spec.kwargs.items()})
        setup_from = None
    elif request.name is not None:
        target, setup_from = lookup(namespace, request.name), namespace
    else:
        raise ValueError("a model probe names a model or a class to build")
    inputs = [to_json(spec) for spec in request.input_specs] if request.input_specs is not None else None
    return ModelResult(ok=True, description=describe_model(target, namespace=setup_from, inputs=inputs,
                                                           mode=request.mode, batch=request.batch))


def gradcheck(request: GradcheckRequest, namespace: dict) -> GradcheckResult:
    from grader.probe.introspect.gradcheck import check_gradients

    return check_gradients(lookup(namespace, request.name), input_shapes=request.input_shapes,
                           init_args=[decode(a) for a in request.init_args],
                           init_kwargs={k: decode(v) for k, v in request.init_kwargs.items()},
                           eps=request.eps, atol=request.atol)


def table(request: TableRequest, namespace: dict) -> TableResult:
    from grader.probe.read_table import read_table

    return read_table(request, namespace)


def reload(request: ReloadRequest, namespace: dict) -> ReloadResult:
    from grader.probe.reload import check_reload

    return check_reload(request, namespace)


def transforms(request: TransformsRequest, namespace: dict) -> TransformsResult:
    from grader.probe.transforms import read_pipeline

    return read_pipeline(request, namespace)


OPERATIONS: dict[type[ProbeRequest], Callable[[Any, dict], ProbeResult]] = {
    NamesRequest: defined_names,
    TableRequest: table,
    TransformsRequest: transforms,
    ReloadRequest: reload,
    EnvironmentRequest: environment,
    ModelRequest: model,
    GradcheckRequest: gradcheck,
    CallRequest: call,
    DescribeRequest: describe,
    PredictRequest: predict,
    SampleRequest: sample,
    ArtifactRequest: artifact,
}
