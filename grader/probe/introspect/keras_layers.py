"""Keras 3 layers -> kinds and settings of the neutral vocabulary.

Layers are classified by the first keras class in their MRO that the table names; settings come
from `get_config()` (public and stable) with Keras's key names mapped onto the neutral ones, and
activations are read from the layer's own function so a fused `Dense(32, activation="relu")`
says relu whatever the config serialises it as."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.probe.introspect.kinds import canonical_activation
from grader.probe.introspect.plain import plain

Settings = dict[str, Any]

# Keras config key -> neutral settings key.
_RENAMED = {"strides": "stride", "rate": "p", "pool_size": "kernel_size", "use_bias": "bias", "output_dim": "units",
            "size": "scale_factor", "interpolation": "mode"}
_KEPT = ("units", "filters", "kernel_size", "strides", "padding", "rate", "pool_size", "use_bias", "input_dim",
         "output_dim", "return_sequences", "return_state", "go_backwards", "num_heads", "key_dim", "size",
         "interpolation", "axis", "dropout")


def _function_name(function: Any) -> str | None:
    return canonical_activation(getattr(function, "__name__", None) or str(function)) if function is not None else None


def _from_config(layer: Any) -> Settings:
    try:
        config = layer.get_config()
    except Exception:
        config = {}
    found = {_RENAMED.get(key, key): plain(config[key]) for key in _KEPT if key in config}
    for name in ("activation", "recurrent_activation"):
        function = getattr(layer, name, None)
        if function is not None:
            found[name] = _function_name(function)
    return found


def _with(**fixed: Any) -> Callable[[Any], Settings]:
    return lambda layer: {**_from_config(layer), **fixed}


def _activation_layer(name: str | None) -> Callable[[Any], Settings]:
    def settings(layer: Any) -> Settings:
        return {"activation": name or _function_name(getattr(layer, "activation", None))}
    return settings


LAYER_KINDS: dict[str, tuple[str, Callable[[Any], Settings]]] = {
    "Dense": ("linear", _from_config), "EinsumDense": ("linear", _from_config),
    **{f"Conv{n}D": (f"conv{n}d", _from_config) for n in (1, 2, 3)},
    "SeparableConv1D": ("conv1d", _with(separable=True)), "SeparableConv2D": ("conv2d", _with(separable=True)),
    "DepthwiseConv1D": ("conv1d", _with(depthwise=True)), "DepthwiseConv2D": ("conv2d", _with(depthwise=True)),
    **{f"Conv{n}DTranspose": ("transpose-conv", _from_config) for n in (1, 2, 3)},
    **{f"{name}{n}D": ("pooling", _with(type=kind)) for name, kind in
       (("MaxPooling", "max"), ("AveragePooling", "avg"), ("GlobalMaxPooling", "global-max"),
        ("GlobalAveragePooling", "global-avg")) for n in (1, 2, 3)},
    **dict.fromkeys(("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
                     "AlphaDropout"), ("dropout", _from_config)),
    "BatchNormalization": ("batchnorm", _with()),
    **{name: ("normalization", _with(type=name)) for name in
       ("LayerNormalization", "GroupNormalization", "UnitNormalization", "RMSNormalization")},
    "Activation": ("activation", _activation_layer(None)), "ReLU": ("activation", _activation_layer("relu")),
    "LeakyReLU": ("activation", _activation_layer("leaky_relu")), "PReLU": ("activation", _activation_layer("prelu")),
    "ELU": ("activation", _activation_layer("elu")), "Softmax": ("activation", _activation_layer("softmax")),
    "Flatten": ("flatten", _with()), "Reshape": ("reshape", _with()), "Permute": ("reshape", _with()),
    "Embedding": ("embedding", _from_config),
    "SimpleRNN": ("simple-rnn", _from_config), "LSTM": ("lstm", _from_config), "GRU": ("gru", _from_config),
    "MultiHeadAttention": ("attention", _from_config), "GroupedQueryAttention": ("attention", _from_config),
    "Attention": ("attention", _with()), "AdditiveAttention": ("attention", _with()),
    **{f"UpSampling{n}D": ("upsample", _from_config) for n in (1, 2, 3)},
    "Concatenate": ("concat", _from_config), "Add": ("add", _with()), "Multiply": ("multiply", _with()),
    "Dot": ("matmul", _with()),
    **{name: ("merge", _with(type=name.lower())) for name in ("Average", "Subtract", "Maximum", "Minimum")},
    "Identity": ("identity", _with()),
}

# Layers that hold other layers but are one layer to the student.
WRAPPERS = frozenset({"Bidirectional", "TimeDistributed"})


def classify_layer(layer: Any) -> tuple[str, Settings] | None:
    """(kind, settings) for a layer the vocabulary names, None for anything else (a model, a
    student's layer, an unnamed library layer)."""
    for cls in type(layer).__mro__:
        if not cls.__module__.startswith("keras."):
            continue
        if cls.__name__ in WRAPPERS:
            inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
            found = classify_layer(inner) if inner is not None else None
            kind, settings = found or ("other", {})
            return kind, {**settings, "bidirectional": cls.__name__ == "Bidirectional", "wrapper": cls.__name__}
        if cls.__name__ in LAYER_KINDS:
            kind, describe = LAYER_KINDS[cls.__name__]
            try:
                return kind, describe(layer)
            except Exception:
                return kind, {}
    return None
