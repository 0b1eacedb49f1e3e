"""Whether a PyTorch model was really saved and reloaded, and whether the predict callable uses the
reloaded instance: the file's weights are compared with both models', and each model's last
parameter is disturbed in turn (then restored exactly) to see whose change moves the predictions."""

from __future__ import annotations

from typing import Any

from grader.contract import ReloadRequest, ReloadResult
from grader.probe.names import lookup

PROBE_IMAGES = 16


def check_reload(request: ReloadRequest, namespace: dict) -> ReloadResult:
    import numpy as np
    import torch

    reloaded, original = lookup(namespace, request.model), lookup(namespace, request.original)
    for name, value in ((request.model, reloaded), (request.original, original)):
        if not isinstance(value, torch.nn.Module):
            raise TypeError(f"'{name}' is a {type(value).__name__}, not a torch.nn.Module")
    saved = torch.load(request.path, map_location="cpu", weights_only=False)
    state = saved.state_dict() if isinstance(saved, torch.nn.Module) else saved
    if not isinstance(state, dict):
        raise TypeError(f"{request.path} holds a {type(saved).__name__}, neither a model nor a state_dict")
    predict = lookup(namespace, request.callable)
    inputs = np.load(request.inputs, allow_pickle=False)[:PROBE_IMAGES]
    return ReloadResult(ok=True, distinct=reloaded is not original,
                        reloaded_differs=_differences(reloaded.state_dict(), state),
                        original_differs=_differences(original.state_dict(), state),
                        uses_reloaded=_moves(predict, inputs, reloaded),
                        uses_original=_moves(predict, inputs, original))


def _differences(state: dict, saved: dict) -> list[str]:
    """Names of the tensors that are missing from either side or hold other values (at most 10)."""
    import torch

    names = [name for name in sorted(set(state) | set(saved))
             if name not in state or name not in saved or not torch.is_tensor(saved[name])
             or state[name].shape != saved[name].shape or not torch.equal(state[name].cpu(), saved[name].cpu())]
    return names[:10]


def _moves(predict: Any, inputs: Any, model: Any) -> bool:
    """Do the predictions change when the model's last parameter is shifted far off?"""
    import numpy as np
    import torch

    parameter = list(model.parameters())[-1]
    before = np.asarray(predict(inputs))
    kept = parameter.detach().clone()
    try:
        with torch.no_grad():
            parameter.add_(torch.randn(parameter.shape, generator=torch.Generator().manual_seed(0)) * 1000)
        after = np.asarray(predict(inputs))
    finally:
        with torch.no_grad():
            parameter.copy_(kept)
    return before.shape != after.shape or not np.array_equal(before, after)
