"""The architecture table on the feedback page: the model as it ran, one row per step, with the
rows a check found wrong marked, and the rubric's expected layers beside it when it gives them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from grader.architecture.description import Counts, ModelDescription
from grader.i18n import N_, Message, join

MAX_ROWS = 300
_SHOWN = ("units", "filters", "kernel_size", "stride", "p", "activation", "recurrent_activation", "return_sequences",
          "bidirectional", "type", "training", "num_heads", "scale_factor", "dim")


def settings_text(settings: dict[str, Any]) -> str:
    """units=256, activation=relu: the settings a student recognises, in a stable order."""
    return ", ".join(f"{key}={value_text(settings[key])}" for key in _SHOWN
                     if key in settings and settings[key] is not None)


def value_text(value: Any) -> str:
    """[3, 3] -> '3x3', 0.30000001192092896 -> '0.3'."""
    if isinstance(value, list):
        return "x".join(str(item) for item in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shape_text(shape: list[int | None] | None) -> str:
    """[2, 256] -> 'N x 256': the batch axis is the grader's choice, not the model's."""
    if not shape:
        return ""
    return " x ".join(["N", *("?" if size is None else str(size) for size in shape[1:])])


def _params(counts: Counts | None) -> Message:
    if counts is None or counts.total == 0:
        return ""
    if counts.frozen:
        return N_("{total:,} (frozen)", total=counts.total)
    return (f"{counts.total:,}" if counts.fully_trainable
            else N_("{total:,} ({trainable:,} trainable)", total=counts.total, trainable=counts.trainable))


def _note(*notes: Message) -> Message:
    given = [note for note in notes if note]
    return given[0] if len(given) == 1 else join(given) if given else ""


def observed_rows(model: ModelDescription, marked: Iterable[int] = (),
                  notes: Mapping[int, Message] | None = None) -> list[dict[str, Any]]:
    """notes: step id -> why a check marked it ('nearest: p is 0.5, expected 0.3')."""
    marked, notes = set(marked), notes or {}
    rows = [{"number": step.id + 1, "name": step.name, "kind": step.kind, "settings": settings_text(step.settings),
             "output": _shape_text(step.output_shape),
             "params": _params(step.params), "marked": step.id in marked,
             "note": _note(notes.get(step.id, ""), "" if step.registered else
                           N_("not registered: its weights are not the model's"))}
            for step in model.layers[:MAX_ROWS]]
    rows += [{"number": "", "name": holder.path, "kind": holder.kind, "settings": settings_text(holder.settings),
              "output": "", "params": _params(holder.params), "marked": True, "note": N_("defined but never ran")}
             for holder in model.unused()]
    return rows


def architecture_details(model: ModelDescription, *, marked: Iterable[int] = (),
                         notes: Mapping[int, Message] | None = None,
                         expected: list[dict[str, Message]] | None = None) -> dict[str, Any]:
    """What CheckResult.details["architecture"] carries to the feedback page."""
    return {"framework": model.framework, "model": model.class_name.rsplit(".", 1)[-1],
            "total_params": f"{model.params.total:,}", "trainable_params": f"{model.params.trainable:,}",
            "rows": observed_rows(model, marked, notes), "expected": expected,
            "truncated": len(model.layers) > MAX_ROWS or model.truncated}
