"""The training setup the student used: optimizer (class, learning rate) and loss.

Keras keeps both on the compiled model. PyTorch keeps them in the notebook's namespace, so every
optimizer and loss object there is reported, each optimizer with the share of the model's
trainable parameters it updates (a GAN has two optimizers, one per network). A loss used only as
a function inside the training loop (F.cross_entropy) is not an object and is not found."""

from __future__ import annotations

import sys
from typing import Any

from grader.probe.introspect.plain import plain


def torch_setup(model: Any, namespace: dict) -> dict:
    import torch

    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    optimizers, losses = [], []
    for name, value in namespace.items():
        if name.startswith("_"):
            continue
        if isinstance(value, torch.optim.Optimizer):
            updated = {id(p) for group in value.param_groups for p in group["params"]}
            group = value.param_groups[0] if value.param_groups else {}
            optimizers.append({
                "name": name, "class": type(value).__name__, "lr": _number(group.get("lr")),
                "momentum": _number(group.get("momentum")), "weight_decay": _number(group.get("weight_decay")),
                "covers": round(len(trainable & updated) / len(trainable), 4) if trainable else 0.0})
        elif isinstance(value, torch.nn.modules.loss._Loss):
            losses.append({"name": name, "class": type(value).__name__})
    return {"compiled": None, "optimizers": optimizers, "losses": losses}


def keras_setup(model: Any, namespace: dict) -> dict:
    optimizer = getattr(model, "optimizer", None)
    optimizers = []
    if optimizer is not None:
        optimizers.append({"name": "model.optimizer", "class": type(optimizer).__name__,
                           "lr": _learning_rate(optimizer), "covers": 1.0})
    loss = getattr(model, "loss", None)
    if isinstance(loss, dict):
        loss = list(loss.values())
    losses = [_keras_loss(item) for item in (loss if isinstance(loss, (list, tuple)) else [loss]) if item is not None]
    return {"compiled": bool(getattr(model, "compiled", optimizer is not None)), "optimizers": optimizers,
            "losses": losses}


def training_setup(framework: str, model: Any, namespace: dict) -> dict:
    return (torch_setup if framework == "pytorch" else keras_setup)(model, namespace)


def _keras_loss(loss: Any) -> dict:
    if isinstance(loss, str):
        return {"name": "model.loss", "class": loss}
    if callable(loss) and not hasattr(loss, "get_config") and hasattr(loss, "__name__"):
        return {"name": "model.loss", "class": loss.__name__}
    wrapped = getattr(loss, "fn", None)  # LossFunctionWrapper around a plain function
    return {"name": "model.loss", "class": type(loss).__name__,
            "function": getattr(wrapped, "__name__", None) or getattr(loss, "name", None)}


def _learning_rate(optimizer: Any) -> Any:
    rate = getattr(optimizer, "learning_rate", None)
    if rate is None:
        return None
    if callable(rate) and not hasattr(rate, "numpy"):  # a schedule
        return type(rate).__name__
    try:
        numpy = sys.modules["numpy"]
        return _number(float(numpy.asarray(rate)))
    except Exception:
        return plain(rate)


def _number(value: Any) -> Any:
    """A float32 learning rate 0.0010000000474974513 reads as 0.001."""
    value = plain(value)
    return float(f"{value:.7g}") if isinstance(value, float) else value
