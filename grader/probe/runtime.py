"""Probe operations run inside the kernel after the notebook: each reads the student's namespace
and writes one JSON result file. The harness runs every request as its own cell so one hanging
or crashing probe costs only itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from grader.probe.jsonvalues import as_numpy, decode, encode
from grader.probe.names import lookup

_json_dumps = json.dumps  # kept before student code runs: the notebook may replace json.dumps
_replace = os.replace


def run_request(request: dict, namespace: dict, result_path: str) -> None:
    """Run one probe request against namespace and write {"ok": ..., ...} to result_path."""
    try:
        result = {"ok": True, **OPERATIONS[request["op"]](request, namespace)}
    except BaseException as exc:  # student code may raise SystemExit, KeyboardInterrupt, anything
        result = {"ok": False, "error": _error_text(exc)}
    tmp = result_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(_json_dumps(result, allow_nan=False))
    _replace(tmp, result_path)


def _error_text(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:
        text = type(exc).__name__
    return text[:2000]


def call(request: dict, namespace: dict) -> dict:
    function = lookup(namespace, request["name"])
    if not callable(function):
        raise TypeError(f"'{request['name']}' is a {type(function).__name__}, not a function")
    args = [decode(arg) for arg in request.get("args", [])]
    kwargs = {key: decode(value) for key, value in request.get("kwargs", {}).items()}
    return {"value": encode(function(*args, **kwargs))}


def describe(request: dict, namespace: dict) -> dict:
    name = request["name"]
    if name not in namespace:
        return {"exists": False}
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
            info.update(min=encode(float(array.min())), max=encode(float(array.max())))
        if array.size <= 10_000:
            info["value"] = encode(array)
    elif isinstance(value, (bool, int, float, str)) or value is None:
        info["value"] = encode(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            info.update(min=encode(float(value)), max=encode(float(value)))
    elif hasattr(value, "__len__"):
        try:
            info["length"] = len(value)
        except Exception:
            pass
    return info


def predict(request: dict, namespace: dict) -> dict:
    import numpy as np

    function = lookup(namespace, request["callable"])
    inputs = np.load(request["inputs"], allow_pickle=False)
    return {"value": encode(_numbers(function(inputs), "predictions"))}


def _numbers(outputs: Any, what: str):
    """outputs (array, tensor, nested lists) as a numeric numpy array, or a TypeError naming `what`."""
    import numpy as np

    array = as_numpy(outputs)
    if array is None:
        array = np.asarray(outputs)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} have dtype {array.dtype}; expected numbers")
    return array


def sample(request: dict, namespace: dict) -> dict:
    """Draw `n` samples from a generator callable under fixed seeds (so a grade is repeatable),
    as float32: half of float64's size leaves the kernel, and images need no more precision."""
    import sys

    import numpy as np

    function = lookup(namespace, request["callable"])
    seed = 0  # the same samples on every run
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)
    outputs = function(request["n"], **{key: decode(value) for key, value in request.get("kwargs", {}).items()})
    return {"value": encode(_numbers(outputs, "samples").astype(np.float32))}


def artifact(request: dict, namespace: dict) -> dict:
    path = Path(request["path"])
    if path.is_absolute() or ".." in path.parts:
        raise ValueError("artifact paths are relative to the notebook's folder")
    if not path.is_file():
        return {"exists": False}
    info: dict[str, Any] = {"exists": True, "size": path.stat().st_size}
    loader = LOADERS[request.get("loader", "exists")]
    try:
        info["summary"] = loader(path)
        info["loads"] = True
    except Exception as exc:
        info.update(loads=False, error=_error_text(exc))
    return info


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

def environment(request: dict, namespace: dict) -> dict:
    """Versions and device of what the notebook actually imported (nothing is imported here)."""
    import platform
    import sys

    info: dict[str, Any] = {"python": platform.python_version(), "device": "cpu"}
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
    return info


def model(request: dict, namespace: dict) -> dict:
    """The description of a model in the notebook, or of a fresh one built from the student's
    class with the rubric's arguments (e.g. other hidden widths)."""
    from grader.probe.introspect import build_model, describe_model

    if "build" in request:
        spec = request["build"]
        target = build_model(lookup(namespace, spec["class"]), [decode(a) for a in spec.get("args", [])],
                             {k: decode(v) for k, v in spec.get("kwargs", {}).items()})
        setup_from = None
    else:
        target, setup_from = lookup(namespace, request["name"]), namespace
    return {"description": describe_model(target, namespace=setup_from, inputs=request.get("input_specs"),
                                          mode=request.get("mode", "train"), batch=request.get("batch"))}


def gradcheck(request: dict, namespace: dict) -> dict:
    from grader.probe.introspect.gradcheck import check_gradients

    return check_gradients(lookup(namespace, request["name"]), input_shapes=request["input_shapes"],
                           init_args=[decode(a) for a in request.get("init_args", [])],
                           init_kwargs={k: decode(v) for k, v in request.get("init_kwargs", {}).items()},
                           eps=request.get("eps", 1e-6), atol=request.get("atol", 1e-4))


def table(request: dict, namespace: dict) -> dict:
    from grader.probe.table import read_table

    return read_table(request, namespace)


def reload(request: dict, namespace: dict) -> dict:
    from grader.probe.reload import check_reload

    return check_reload(request, namespace)


def transforms(request: dict, namespace: dict) -> dict:
    from grader.probe.transforms import read_pipeline

    return read_pipeline(request, namespace)


OPERATIONS: dict[str, Callable[[dict, dict], dict]] = {
    "table": table,
    "transforms": transforms,
    "reload": reload,
    "environment": environment,
    "model": model,
    "gradcheck": gradcheck,
    "call": call,
    "describe": describe,
    "predict": predict,
    "sample": sample,
    "artifact": artifact,
}
