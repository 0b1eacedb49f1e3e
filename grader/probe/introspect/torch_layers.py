"""PyTorch modules and functions -> kinds and settings of the neutral vocabulary.

Modules are classified by the first torch class in their MRO that the table names, so a student's
`class MyConv(nn.Conv2d)` is still a conv2d. Functions are classified by name as the torch-function
mode sees them (`F.dropout`, `torch.cat`, `Tensor.add` for `+`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.probe.introspect.kinds import canonical_activation
from grader.probe.introspect.plain import plain

Settings = dict[str, Any]

CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"})


def _linear(m: Any) -> Settings:
    return {"units": m.out_features, "in_features": m.in_features, "bias": m.bias is not None}


def _conv(m: Any) -> Settings:
    return {"filters": m.out_channels, "in_channels": m.in_channels, "kernel_size": plain(m.kernel_size),
            "stride": plain(m.stride), "padding": plain(m.padding), "groups": m.groups}


def _pooling(kind: str) -> Callable[[Any], Settings]:
    def settings(m: Any) -> Settings:
        found = {"type": kind}
        for name in ("kernel_size", "stride", "output_size"):
            if hasattr(m, name):
                found[name] = plain(getattr(m, name))
        return found
    return settings


def _rnn(recurrent_activation: str | None) -> Callable[[Any], Settings]:
    def settings(m: Any) -> Settings:
        return {"units": m.hidden_size, "input_size": m.input_size, "num_layers": m.num_layers,
                "bidirectional": m.bidirectional, "batch_first": m.batch_first,
                "activation": getattr(m, "nonlinearity", "tanh"), "recurrent_activation": recurrent_activation,
                "return_sequences": True, "dropout": m.dropout}
    return settings


def _activation(name: str) -> Callable[[Any], Settings]:
    return lambda m: {"activation": name}


def _no_settings(m: Any) -> Settings:
    return {}


MODULE_KINDS: dict[str, tuple[str, Callable[[Any], Settings]]] = {
    "Linear": ("linear", _linear), "LazyLinear": ("linear", _linear),
    "Conv1d": ("conv1d", _conv), "Conv2d": ("conv2d", _conv), "Conv3d": ("conv3d", _conv),
    "ConvTranspose1d": ("transpose-conv", _conv), "ConvTranspose2d": ("transpose-conv", _conv),
    "ConvTranspose3d": ("transpose-conv", _conv),
    **{f"{kind}Pool{n}d": ("pooling", _pooling(kind.lower())) for kind in ("Max", "Avg", "LP") for n in (1, 2, 3)},
    **{f"Adaptive{kind}Pool{n}d": ("pooling", _pooling(f"adaptive-{kind.lower()}")) for kind in ("Max", "Avg")
       for n in (1, 2, 3)},
    **{name: ("dropout", lambda m: {"p": plain(m.p)}) for name in
       ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")},
    **{f"BatchNorm{n}d": ("batchnorm", lambda m: {"features": m.num_features}) for n in (1, 2, 3)},
    **{name: ("normalization", lambda m: {"type": type(m).__name__}) for name in
       ("LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm",
        "RMSNorm")},
    **{name: ("activation", _activation(canonical_activation(name))) for name in
       ("ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid",
        "Tanh", "Softmax", "LogSoftmax", "Softmin", "Softplus", "Softsign", "Hardtanh", "Hardswish", "Hardsigmoid",
        "LogSigmoid", "Tanhshrink", "Threshold", "GLU")},
    "Flatten": ("flatten", lambda m: {"start_dim": m.start_dim}), "Unflatten": ("reshape", _no_settings),
    "Embedding": ("embedding", lambda m: {"input_dim": m.num_embeddings, "units": m.embedding_dim}),
    "RNN": ("simple-rnn", _rnn(None)), "LSTM": ("lstm", _rnn("sigmoid")), "GRU": ("gru", _rnn("sigmoid")),
    "MultiheadAttention": ("attention", lambda m: {"units": m.embed_dim, "num_heads": m.num_heads}),
    **{name: ("upsample", lambda m: {"scale_factor": plain(getattr(m, "scale_factor", None)),
                                     "mode": getattr(m, "mode", "pixel-shuffle")})
       for name in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle")},
    "Identity": ("identity", _no_settings),
}


def classify_module(module: Any) -> tuple[str, Settings] | None:
    """(kind, settings) for a module the vocabulary names, ("container", {}) for Sequential and
    friends, None for anything else (a student's class or an unnamed library block)."""
    for cls in type(module).__mro__:
        if not cls.__module__.startswith("torch."):
            continue
        if cls.__name__ in CONTAINERS:
            return "container", {}
        if cls.__name__ in MODULE_KINDS:
            kind, settings = MODULE_KINDS[cls.__name__]
            try:
                return kind, settings(module)
            except Exception:  # a half-built subclass: the kind is still known
                return kind, {}
    return None


# ---- functions, as the torch-function mode sees them -------------------------------------------

def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else default


def _f_dropout(name: str, args: tuple, kwargs: dict) -> Settings:
    training = kwargs.get("training", kwargs.get("train", args[2] if len(args) > 2 else True))  # torch.dropout: train
    return {"p": plain(_arg(args, kwargs, 1, "p", 0.5)), "training": bool(training)}


def _f_linear(name: str, args: tuple, kwargs: dict) -> Settings:
    weight = _arg(args, kwargs, 1, "weight")
    return {"units": int(weight.shape[0]), "in_features": int(weight.shape[1])} if weight is not None else {}


def _f_conv(name: str, args: tuple, kwargs: dict) -> Settings:
    weight = _arg(args, kwargs, 1, "weight")
    if weight is None:
        return {}
    if "transpose" in name:
        filters = int(weight.shape[1]) * int(_arg(args, kwargs, 6, "groups", 1))
    else:
        filters = int(weight.shape[0])
    return {"filters": filters, "kernel_size": plain(weight.shape[2:]),
            "stride": plain(_arg(args, kwargs, 3, "stride", 1))}


def _f_pooling(name: str, args: tuple, kwargs: dict) -> Settings:
    kind = (("adaptive-" if name.startswith("adaptive") else "")
            + ("max" if "max" in name else "avg" if "avg" in name else "lp"))
    key = "output_size" if name.startswith("adaptive") else "kernel_size"
    return {"type": kind, key: plain(_arg(args, kwargs, 1, key))}


def _f_concat(name: str, args: tuple, kwargs: dict) -> Settings:
    return {"dim": plain(_arg(args, kwargs, 1, "dim", 0))}


def _f_upsample(name: str, args: tuple, kwargs: dict) -> Settings:
    return {"scale_factor": plain(_arg(args, kwargs, 2, "scale_factor")),
            "mode": plain(_arg(args, kwargs, 3, "mode", "nearest"))}


def _f_activation(name: str, args: tuple, kwargs: dict) -> Settings:
    return {"activation": canonical_activation(name)}


def _f_none(name: str, args: tuple, kwargs: dict) -> Settings:
    return {}


FunctionSettings = Callable[[str, tuple, dict], Settings]

FUNCTION_KINDS: dict[str, tuple[str, FunctionSettings]] = {
    **dict.fromkeys(("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"),
                    ("dropout", _f_dropout)),
    **dict.fromkeys(("relu", "relu6", "leaky_relu", "prelu", "rrelu", "elu", "selu", "celu", "gelu", "silu", "mish",
                     "sigmoid", "tanh", "softmax", "log_softmax", "softmin", "softplus", "softsign", "hardtanh",
                     "hardswish", "hardsigmoid", "logsigmoid", "tanhshrink", "threshold", "glu"),
                    ("activation", _f_activation)),
    "linear": ("linear", _f_linear),
    **{f"conv{n}d": (f"conv{n}d", _f_conv) for n in (1, 2, 3)},
    **{f"conv_transpose{n}d": ("transpose-conv", _f_conv) for n in (1, 2, 3)},
    **{f"{kind}_pool{n}d": ("pooling", _f_pooling) for kind in ("max", "avg", "lp", "adaptive_max", "adaptive_avg")
       for n in (1, 2, 3)},
    **{f"max_pool{n}d_with_indices": ("pooling", _f_pooling) for n in (1, 2, 3)},
    "batch_norm": ("batchnorm", _f_none),
    **dict.fromkeys(("layer_norm", "group_norm", "instance_norm", "rms_norm"), ("normalization", _f_none)),
    "flatten": ("flatten", _f_none),
    "embedding": ("embedding", lambda name, args, kwargs: {"units": int(_arg(args, kwargs, 1, "weight").shape[1])}),
    **dict.fromkeys(("interpolate", "upsample", "upsample_nearest", "upsample_bilinear"), ("upsample", _f_upsample)),
    "pixel_shuffle": ("upsample", _f_none),
    **dict.fromkeys(("cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack"), ("concat", _f_concat)),
    "add": ("add", _f_none), "mul": ("multiply", _f_none),
    **dict.fromkeys(("matmul", "bmm", "mm", "einsum"), ("matmul", _f_none)),
    **dict.fromkeys(("scaled_dot_product_attention", "multi_head_attention_forward"), ("attention", _f_none)),
}

# Element-wise merges count only when they join two traced activations (x + f(x)), not x + 1.
BINARY_MERGES = frozenset({"add", "multiply", "matmul"})
RESHAPES = frozenset({"view", "reshape"})


def function_name(func: Any) -> str:
    """'relu_' -> 'relu', '__iadd__' -> 'add': in-place and operator spellings share a name."""
    name = getattr(func, "__name__", "") or ""
    if name.startswith("__") and name.endswith("__"):
        name = name.strip("_")
        return name[1:] if name[:1] in ("i", "r") and name[1:] in ("add", "mul", "matmul") else name
    return name[:-1] if name.endswith("_") else name
