"""The layers a rubric expects aligned with the layers that ran, as a diff: which expected layer
is missing, which layer that ran is extra, which one is there but differs and why.

difflib's SequenceMatcher compares equal items; here a selector matches a step by a predicate
(`{kind: dense, units: 32}` matches any Dense with 32 units), so the alignment is a small edit
distance instead, where putting a step in an expected layer's place costs less the closer the
step is to it. Sequences are a model's layers with weights: tens, not thousands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grader.architecture.description import ModelDescription, Step
from grader.architecture.vocabulary import layer_name
from grader.checks.architecture.selectors import LayerSelector
from grader.i18n import N_, Message, Text, join

Operation = Literal["same", "missing", "extra", "different"]

_SKIP = 1.0                 # an expected layer missing, or a step that is extra
_OTHER_KIND = 1.9           # a step of another kind in an expected layer's place (still under two skips)
_SAME_KIND, _PER_REASON = 1.0, 0.1


@dataclass(frozen=True)
class Aligned:
    operation: Operation
    expected: LayerSelector | None   # None for an extra step
    step: Step | None                # None for a missing layer
    reasons: tuple[Text, ...] = ()   # why a different step does not match


def align(expected: list[LayerSelector], steps: list[Step], model: ModelDescription) -> list[Aligned]:
    """The cheapest way to turn the expected layers into the steps that ran, in order."""
    reasons = [[tuple(selector.mismatches(step, model)) for step in steps] for selector in expected]

    def replace(i: int, j: int) -> float:
        found = reasons[i][j]
        if not found:
            return 0.0
        if steps[j].kind != expected[i].kind and expected[i].kind != "any":
            return _OTHER_KIND
        return _SAME_KIND + _PER_REASON * min(len(found), 5)

    rows, columns = len(expected), len(steps)
    cost = [[0.0] * (columns + 1) for _ in range(rows + 1)]
    for i in range(rows, -1, -1):
        for j in range(columns, -1, -1):
            options = [cost[i + 1][j] + _SKIP] if i < rows else []
            options += [cost[i][j + 1] + _SKIP] if j < columns else []
            options += [cost[i + 1][j + 1] + replace(i, j)] if i < rows and j < columns else []
            cost[i][j] = min(options, default=0.0)
    aligned: list[Aligned] = []
    i = j = 0
    while i < rows or j < columns:
        if i < rows and j < columns and cost[i][j] == cost[i + 1][j + 1] + replace(i, j):
            found = reasons[i][j]
            aligned.append(Aligned("different" if found else "same", expected[i], steps[j], found))
            i, j = i + 1, j + 1
        elif i < rows and cost[i][j] == cost[i + 1][j] + _SKIP:
            aligned.append(Aligned("missing", expected[i], None))
            i += 1
        else:
            aligned.append(Aligned("extra", None, steps[j]))
            j += 1
    return aligned


def step_text(step: Step, model: ModelDescription) -> str:
    """A step as the student wrote it: 'Dense(64, relu)', 'SimpleRNN(16, tanh)'."""
    name = step.op if step.source == "module" and step.op else layer_name(step.kind, model.framework)
    activation = model.activation_after(step)
    parts = [str(step.width)] if step.width is not None else []
    parts += [activation] if activation != "linear" else []
    return f"{name}({', '.join(parts)})"


def differences(aligned: list[Aligned], model: ModelDescription) -> list[Text]:
    """'missing: Dense(32, relu) after SimpleRNN(tanh)', one per place the sequences part."""
    framework = model.framework
    found: list[Text] = []
    for position, item in enumerate(aligned):
        where = _where(aligned, position, model)
        if item.operation == "missing" and item.expected is not None:
            found.append(N_("missing: {layer} {where}", layer=item.expected.short_text(framework), where=where))
        elif item.operation == "extra" and item.step is not None:
            found.append(N_("extra: {layer} ({name}) {where}", layer=step_text(item.step, model), name=item.step.name,
                            where=where))
        elif item.operation == "different" and item.step is not None and item.expected is not None:
            found.append(N_("different: {name} is {found}, expected {expected} ({reasons})", name=item.step.name,
                            found=step_text(item.step, model), expected=item.expected.short_text(framework),
                            reasons=join(item.reasons)))
    return found


def _where(aligned: list[Aligned], position: int, model: ModelDescription) -> Text:
    """'after SimpleRNN(tanh)': the nearest earlier layer that ran, in the rubric's words when it
    matched; 'at the start' when nothing ran before."""
    for item in reversed(aligned[:position]):
        if item.operation == "same" and item.expected is not None:
            return N_("after {layer}", layer=item.expected.short_text(model.framework))
        if item.step is not None:
            return N_("after {layer}", layer=step_text(item.step, model))
    return N_("at the start")


def table_notes(aligned: list[Aligned], model: ModelDescription) -> dict[int, Message]:
    """Notes on the steps that ran: why each marked step is extra or differs."""
    notes: dict[int, Message] = {}
    for item in aligned:
        if item.operation == "extra" and item.step is not None:
            notes[item.step.id] = N_("extra: the expected layers have nothing here")
        elif item.operation == "different" and item.step is not None and item.expected is not None:
            notes[item.step.id] = N_("expected {layer}: {reasons}", layer=item.expected.short_text(model.framework),
                                     reasons=join(item.reasons))
    return notes


def expected_notes(aligned: list[Aligned]) -> list[Message]:
    """One note per expected layer, for the expected-layers table: '' when it ran as asked."""
    notes: list[Message] = []
    for item in aligned:
        if item.operation == "missing":
            notes.append(N_("missing"))
        elif item.operation == "different" and item.step is not None:
            notes.append(N_("differs: step {step} ({reasons})", step=item.step.id + 1, reasons=join(item.reasons)))
        elif item.operation == "same":
            notes.append("")
    return notes
