"""The training setup: which loss and optimizer the student used, named in any framework's
spelling (`bce` is BCELoss and binary_crossentropy alike, grader.architecture.vocabulary)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from pydantic import Field, model_validator

from grader.architecture.description import ModelDescription
from grader.architecture.vocabulary import loss_family, optimizer_family
from grader.checks.architecture.assertion import Assertion, Verdict
from grader.checks.architecture.selectors import Range
from grader.i18n import N_, Text, join
from grader.spec.assignment import Strict


class NameChoice(Strict):
    any_of: list[str] = Field(default_factory=list, description="at least one of these is used")
    none_of: list[str] = Field(default_factory=list, description="none of these is used")

    def allows(self, families: set[str], family_of: Callable[[str], str]) -> bool:
        wanted = {family_of(name) for name in self.any_of}
        banned = {family_of(name) for name in self.none_of}
        return (not wanted or bool(families & wanted)) and not families & banned

    def choice_text(self, what: Text) -> Text:
        parts = [N_("one of {names}", names=", ".join(self.any_of))] if self.any_of else []
        parts += [N_("none of {names}", names=", ".join(self.none_of))] if self.none_of else []
        return N_("{what}: {choice}", what=what, choice=join(parts, "; ")) if parts else what


class Loss(Assertion, NameChoice):
    """`loss: {none_of: [bce, bce_with_logits]}`. PyTorch: every loss object in the notebook;
    Keras: the compiled model's loss."""

    needs_trace: ClassVar[bool] = False

    @model_validator(mode="after")
    def _something_to_check(self) -> Loss:
        if not self.any_of and not self.none_of:
            raise ValueError("give any_of, none_of or both")
        return self

    def verdict(self, model: ModelDescription) -> Verdict:
        expected = self.choice_text(N_("loss"))
        losses = model.training.losses if model.training else []
        if not losses:
            return Verdict(False, expected, N_("none (a loss used only as a function, e.g. F.cross_entropy, cannot be "
                                               "seen: keep it in a variable, loss_fn = nn.CrossEntropyLoss())")
                           if model.framework == "pytorch" else N_("none"))
        families = {loss_family(loss.function if loss.class_name == "LossFunctionWrapper" and loss.function
                                else loss.class_name) for loss in losses}
        return Verdict(self.allows(families, loss_family), expected,
                       ", ".join(f"{loss.class_name} ({loss.name})" for loss in losses))


class Optimizer(Assertion, NameChoice):
    """`optimizer: {any_of: [adam], lr: {max: 0.01}}`: the optimizer(s) updating the model."""

    needs_trace: ClassVar[bool] = False

    lr: Range | None = None

    @model_validator(mode="after")
    def _something_to_check(self) -> Optimizer:
        if not self.any_of and not self.none_of and self.lr is None:
            raise ValueError("give any_of, none_of, lr or several")
        return self

    def verdict(self, model: ModelDescription) -> Verdict:
        expected = self.choice_text(N_("optimizer"))
        if self.lr:
            expected = N_("{optimizer}, learning rate {range}", optimizer=expected, range=self.lr.range_text())
        found = model.training.optimizers if model.training else []
        updating = [o for o in found if o.covers] or found
        if not updating:
            return Verdict(False, expected, N_("none"))
        families = {optimizer_family(o.class_name) for o in updating}
        rate_ok = self.lr is None or any(isinstance(o.lr, (int, float)) and self.lr.holds(o.lr) for o in updating)
        return Verdict(self.allows(families, optimizer_family) and rate_ok, expected,
                       ", ".join(f"{o.class_name} ({o.name}, lr={o.lr})" for o in updating))
