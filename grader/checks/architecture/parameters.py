"""Parameter counts and freezing: how big the model is, and which layers train."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from grader.architecture.description import ModelDescription, Step
from grader.checks.architecture.assertion import Assertion, Verdict, layers, names
from grader.checks.architecture.selectors import Range
from grader.i18n import N_, Joined, Message, Text, join


class Parameters(Assertion):
    """`parameters: {total: {max: 100000}, trainable: {min: 1000}}`."""

    needs_trace: ClassVar[bool] = False

    total: Range | None = None
    trainable: Range | None = None

    @model_validator(mode="after")
    def _something_to_check(self) -> Parameters:
        if self.total is None and self.trainable is None:
            raise ValueError("give total, trainable or both")
        return self

    def verdict(self, model: ModelDescription) -> Verdict:
        wanted = [self.total.counted(N_("parameters"))] if self.total else []
        wanted += [self.trainable.counted(N_("trainable parameters"))] if self.trainable else []
        passed = ((self.total is None or self.total.holds(model.params.total))
                  and (self.trainable is None or self.trainable.holds(model.params.trainable)))
        return Verdict(passed, join(wanted, ", "),
                       N_("{total:,} parameters, {trainable:,} trainable", total=model.params.total,
                          trainable=model.params.trainable))


FreezePolicy = Literal["all_but_last", "all", "none"]


class Frozen(Assertion):
    """`frozen: all_but_last` (transfer learning: every layer with weights frozen except the
    replaced last layer, which trains fully), `all` or `none`."""

    policy: FreezePolicy

    def verdict(self, model: ModelDescription) -> Verdict:
        weighted = [step for step in model.first_calls() if step.params and step.params.total]
        if not weighted:
            return Verdict(False, _EXPECTED[self.policy], N_("no layer with weights ran"))
        last = weighted[-1]
        if self.policy == "all":
            wrong = [step for step in weighted if not _frozen(step)]
        elif self.policy == "none":
            wrong = [step for step in weighted if not _fully_trainable(step)]
        else:
            wrong = [step for step in weighted[:-1] if not _frozen(step)]
            wrong += [] if _fully_trainable(last) else [last]
        found: Message = N_("as required") if not wrong else _describe(wrong, last, self.policy)
        return Verdict(not wrong, _EXPECTED[self.policy], found, marked=tuple(step.id for step in wrong))


def _frozen(step: Step) -> bool:
    return step.params is not None and step.params.frozen


def _fully_trainable(step: Step) -> bool:
    return step.params is not None and step.params.fully_trainable


_EXPECTED = {"all_but_last": N_("every layer frozen except the last, which trains"),
             "all": N_("every layer frozen"), "none": N_("every layer trainable")}


def _describe(wrong: list, last, policy: str) -> Joined:  # noqa: ANN001 - Steps
    trainable = [step for step in wrong if step is not last or policy != "all_but_last"]
    parts: list[Text] = []
    if trainable:
        parts.append(N_("{layers} frozen (or partly): {names}", layers=layers(len(trainable)), names=names(trainable))
                     if policy == "none" else
                     N_("{layers} trainable: {names}", layers=layers(len(trainable)), names=names(trainable)))
    if policy == "all_but_last" and last in wrong:
        parts.append(N_("the last layer {name} is not fully trainable ({trainable:,} of {total:,})", name=last.name,
                        trainable=last.params.trainable, total=last.params.total))
    return join(parts)
