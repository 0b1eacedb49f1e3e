"""Does a student's custom autograd Function (or layer) compute correct gradients? Compared with
finite differences by torch.autograd.gradcheck, in float64, on a copy: the notebook's own
objects are never changed."""

from __future__ import annotations

import copy
from typing import Any

from grader.contract import GradcheckResult
from grader.probe.introspect import tamper
from grader.text import exception_text

RELIED_ON = ("torch.autograd.gradcheck", "torch.autograd.grad")


def check_gradients(target: Any, *, input_shapes: list[list[int]], init_args: list, init_kwargs: dict,
                    eps: float = 1e-6, atol: float = 1e-4) -> GradcheckResult:
    import torch

    function, what = _as_function(torch, target, init_args, init_kwargs)
    generator = torch.Generator().manual_seed(0)
    inputs = tuple(torch.randn(shape, generator=generator, dtype=torch.float64).requires_grad_()
                   for shape in input_shapes)
    gradcheck = tamper.original("torch.autograd.gradcheck")
    try:
        passed = bool(gradcheck(function, inputs, eps=eps, atol=atol, raise_exception=True))
        reason = None
    except Exception as exc:  # gradcheck's own verdict, or the student's code failing
        passed, reason = False, exception_text(exc, 800)
    return GradcheckResult(ok=True, passed=passed, target=what, reason=reason, tamper=tamper.report("torch", RELIED_ON))


def _as_function(torch: Any, target: Any, init_args: list, init_kwargs: dict) -> tuple[Any, str]:
    if _subclass(target, torch.autograd.Function):
        return target.apply, "autograd.Function"
    if _subclass(target, torch.nn.Module):
        return target(*init_args, **init_kwargs).double().eval(), "module class"
    if isinstance(target, torch.nn.Module):
        return copy.deepcopy(target).double().eval(), "module"
    if callable(target):
        return target, "function"
    raise TypeError(f"a {type(target).__name__} is neither an autograd Function, a module nor a function")


def _subclass(target: Any, base: type) -> bool:
    return isinstance(target, type) and issubclass(target, base)
