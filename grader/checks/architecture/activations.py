"""Which activations run: `activations: {used: [relu], not_used: [sigmoid]}`. Activation steps
and activations fused into layers (Keras `Dense(32, activation="relu")`) both count."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from grader.architecture.description import ModelDescription
from grader.checks.architecture.assertion import Assertion, Verdict
from grader.i18n import N_, join
from grader.probe.introspect.kinds import canonical_activation


class Activations(Assertion):
    used: list[str] = Field(default_factory=list, description="each of these runs somewhere")
    not_used: list[str] = Field(default_factory=list, description="none of these runs anywhere")

    @field_validator("used", "not_used")
    @classmethod
    def _canonical(cls, names: list[str]) -> list[str]:
        return [canonical_activation(name) for name in names]

    @model_validator(mode="after")
    def _something_to_check(self) -> Activations:
        if not self.used and not self.not_used:
            raise ValueError("give used, not_used or both")
        return self

    def verdict(self, model: ModelDescription) -> Verdict:
        running = model.activations_used()
        missing = [name for name in self.used if name not in running]
        forbidden = [name for name in self.not_used if name in running]
        wanted = [N_("{names} used", names=", ".join(self.used))] if self.used else []
        wanted += [N_("{names} not used", names=", ".join(self.not_used))] if self.not_used else []
        offending = tuple(step.id for step in model.layers
                          if canonical_activation(step.settings.get("activation")) in forbidden)
        return Verdict(not missing and not forbidden, N_("activations: {wanted}", wanted=join(wanted)),
                       N_("activations that run: {names}", names=", ".join(sorted(running)) or N_("none")),
                       marked=offending)
