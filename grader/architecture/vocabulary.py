"""Loss and optimizer names across frameworks, so a rubric can say `bce` and mean BCELoss,
binary_crossentropy and keras.losses.BinaryCrossentropy alike."""

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
