"""The framework-neutral vocabulary of a model description: layer kinds and activation names.

Shared by the probe (which classifies PyTorch and Keras layers into it) and the host (which
validates rubric selectors against it), so both sides always speak the same words."""

from __future__ import annotations

import re

PARAMETRISED = ("linear", "conv1d", "conv2d", "conv3d", "transpose-conv", "embedding",
                "simple-rnn", "lstm", "gru", "attention")
MERGES = ("concat", "add", "multiply", "matmul", "merge")
SHAPING = ("pooling", "dropout", "batchnorm", "normalization", "activation", "flatten", "reshape",
           "upsample", "identity")
OPEN = ("custom", "other")  # student-defined classes / library layers the vocabulary does not name

KINDS = PARAMETRISED + SHAPING + MERGES + OPEN

# Spellings a rubric author may use for a kind, keyed without '-', '_' and spaces.
KIND_ALIASES = {
    "dense": "linear", "fc": "linear", "rnn": "simple-rnn", "simplernn": "simple-rnn",
    "convtranspose": "transpose-conv", "deconv": "transpose-conv", "concatenate": "concat",
    "batchnormalization": "batchnorm", "mul": "multiply",
}

# Activation spellings across PyTorch classes, functions and Keras names -> one name.
ACTIVATION_ALIASES = {
    "swish": "silu", "hard_sigmoid": "hardsigmoid", "hard_swish": "hardswish", "hard_tanh": "hardtanh",
    "logsoftmax": "log_softmax", "leakyrelu": "leaky_relu", "logsigmoid": "log_sigmoid",
    "log_sigmoid": "log_sigmoid", "soft_sign": "softsign", "linear": "linear", "none": "linear",
}


def canonical_kind(name: str) -> str:
    """'Dense', 'simple_rnn', 'concatenate' -> 'linear', 'simple-rnn', 'concat'."""
    key = name.strip().lower().replace("_", "-")
    return KIND_ALIASES.get(re.sub(r"[-\s]", "", key), key)


def canonical_activation(name: str | None) -> str:
    """'ReLU', 'relu', 'LeakyReLU', 'swish' -> 'relu', 'relu', 'leaky_relu', 'silu'."""
    if not name:
        return "linear"
    key = str(name).strip().lower()
    return ACTIVATION_ALIASES.get(key, ACTIVATION_ALIASES.get(key.replace("_", ""), key))
