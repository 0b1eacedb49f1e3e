"""Loss and optimizer names across frameworks, so a rubric can say `bce` and mean BCELoss,
binary_crossentropy and keras.losses.BinaryCrossentropy alike; and the other way, a layer kind
named as the student's framework spells it (`linear` is Dense in Keras)."""

from __future__ import annotations

import re

# family -> spellings (compared after lower-casing and dropping '_', '-', spaces and a "loss" suffix)
LOSS_FAMILIES = {
    "bce": ("bce", "binarycrossentropy", "binaryfocalcrossentropy"),
    "bce_with_logits": ("bcewithlogits",),
    "cross_entropy": ("crossentropy", "categoricalcrossentropy", "sparsecategoricalcrossentropy",
                      "categoricalfocalcrossentropy"),
    "nll": ("nll", "negativeloglikelihood"),
    "mse": ("mse", "meansquarederror"),
    "mae": ("mae", "l1", "meanabsoluteerror"),
    "huber": ("huber", "smoothl1"),
    "kl_divergence": ("kldiv", "kld", "kldivergence", "kullbackleiblerdivergence"),
    "hinge": ("hinge", "hingeembedding", "squaredhinge", "categoricalhinge"),
}
OPTIMIZER_FAMILIES = {
    "sgd": ("sgd",), "adam": ("adam",), "adamw": ("adamw",), "rmsprop": ("rmsprop",), "adagrad": ("adagrad",),
    "adadelta": ("adadelta",), "adamax": ("adamax",), "nadam": ("nadam",), "lion": ("lion",), "ftrl": ("ftrl",),
}


def _key(name: str) -> str:
    key = re.sub(r"[\s_\-]", "", name.strip().lower())
    return key[:-4] if key.endswith("loss") and len(key) > 4 else key


def loss_family(name: str) -> str:
    """'BCELoss', 'binary_crossentropy', 'bce' -> 'bce'; an unknown name stays itself."""
    key = _key(name)
    return next((family for family, spellings in LOSS_FAMILIES.items() if key in spellings), key)


def optimizer_family(name: str) -> str:
    key = _key(name)
    return next((family for family, spellings in OPTIMIZER_FAMILIES.items() if key in spellings), key)


# kind -> (PyTorch, Keras) class name, for messages in the student's own terms
LAYER_NAMES = {
    "linear": ("Linear", "Dense"), "conv1d": ("Conv1d", "Conv1D"), "conv2d": ("Conv2d", "Conv2D"),
    "conv3d": ("Conv3d", "Conv3D"), "transpose-conv": ("ConvTranspose2d", "Conv2DTranspose"),
    "embedding": ("Embedding", "Embedding"), "simple-rnn": ("RNN", "SimpleRNN"), "lstm": ("LSTM", "LSTM"),
    "gru": ("GRU", "GRU"), "attention": ("MultiheadAttention", "MultiHeadAttention"),
    "dropout": ("Dropout", "Dropout"), "batchnorm": ("BatchNorm", "BatchNormalization"),
    "flatten": ("Flatten", "Flatten"), "pooling": ("Pooling", "Pooling"), "any": ("Layer", "Layer"),
}


def layer_name(kind: str, framework: str) -> str:
    """'linear' -> 'Linear' (PyTorch) or 'Dense' (Keras); a kind without a class name stays itself."""
    names = LAYER_NAMES.get(kind)
    return (names[1] if framework == "keras" else names[0]) if names else kind
