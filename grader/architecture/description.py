"""A model description from the sandbox, validated as untrusted input, with the questions rubric
checks ask of it: which steps of which kind ran, which is the output layer, what activation
follows a layer, which merges join branches that split earlier (skip connections)."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from grader.i18n import N_, Text
from grader.observations import Untrusted
from grader.probe.introspect.kinds import PARAMETRISED, canonical_activation

# Steps an activation may be separated from its layer by (Linear -> BatchNorm -> ReLU).
_TRANSPARENT = frozenset({"batchnorm", "normalization", "dropout", "identity"})
# layers that can change a feature map's resolution (a recurrent layer's last axis is not one)
RESAMPLING_KINDS = frozenset({"conv1d", "conv2d", "conv3d", "transpose-conv", "pooling", "upsample"})


class Counts(Untrusted):
    total: int = 0
    trainable: int = 0

    @property
    def frozen(self) -> bool:
        return self.trainable == 0

    @property
    def fully_trainable(self) -> bool:
        return self.trainable == self.total


class Step(Untrusted):
    """One layer call (or functional call) of the forward pass, in execution order."""

    id: int
    path: str = ""
    op: str = ""
    kind: str = "other"
    source: Literal["module", "function"] = "module"
    settings: dict[str, Any] = Field(default_factory=dict)
    params: Counts | None = None
    input_shapes: list[list[int | None] | None] = Field(default_factory=list)
    output_shape: list[int | None] | None = None
    inputs: list[int] = Field(default_factory=list)
    call: int = 1
    registered: bool = True

    @property
    def name(self) -> str:
        """How feedback names the step: its path, or the function and where it was called."""
        if self.source == "function":
            return f"{self.op}() in {self.path}" if self.path else f"{self.op}()"
        return self.path or self.op

    @property
    def width(self) -> int | None:
        """Units of a dense/recurrent/embedding layer, filters of a convolution."""
        value = self.settings.get("units", self.settings.get("filters"))
        return value if isinstance(value, int) else None

    @property
    def has_parameters(self) -> bool:
        return self.kind in PARAMETRISED


class Holder(Untrusted):
    """A layer object the model holds (or ran without holding), however often it ran."""

    path: str = ""
    op: str = ""
    kind: str = "other"
    settings: dict[str, Any] = Field(default_factory=dict)
    params: Counts = Counts()
    calls: int = 0
    registered: bool = True


class Optimizer(Untrusted):
    name: str = ""
    class_name: str = Field("", alias="class")
    lr: Any = None
    covers: float | None = None


class Loss(Untrusted):
    name: str = ""
    class_name: str = Field("", alias="class")
    function: str | None = None


class Training(Untrusted):
    compiled: bool | None = None
    optimizers: list[Optimizer] = Field(default_factory=list)
    losses: list[Loss] = Field(default_factory=list)


class TamperEvidence(Untrusted):
    guarded: bool = False
    replaced: list[str] = Field(default_factory=list)

    def problem(self) -> Text | None:
        """Why the probe's reading cannot be trusted, or None when it can."""
        if self.replaced:
            shown = ", ".join(self.replaced[:4])
            replaced = (N_("{names} and {more} more", names=shown, more=len(self.replaced) - 4)
                        if len(self.replaced) > 4 else shown)
            return N_("the notebook replaced {replaced}, which the grader relies on to see what the model does; "
                      "remove the code that reassigns it", replaced=replaced)
        if not self.guarded:
            return N_("the grader could not verify the framework functions it relies on (the framework was not "
                      "imported in the usual way when the notebook started)")
        return None


class Trace(Untrusted):
    ok: bool
    error: str | None = None
    seconds: float = 0.0


class ModelDescription(Untrusted):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    schema_version: int = Field(1, alias="schema")
    framework: Literal["pytorch", "keras"]
    class_name: str = Field("", alias="class")
    mode: str = "train"
    inputs: list[dict[str, Any]] = Field(default_factory=list)
    trace: Trace
    layers: list[Step] = Field(default_factory=list, max_length=5000)
    outputs: list[int] = Field(default_factory=list)
    modules: list[Holder] = Field(default_factory=list, max_length=5000)
    params: Counts = Counts()
    truncated: bool = False
    training: Training | None = None
    tamper: TamperEvidence = TamperEvidence()

    @model_validator(mode="after")
    def _edges_point_backwards(self) -> ModelDescription:
        """Ids are positions and every edge points to an earlier step or a model input, so graph
        walks always end."""
        for position, step in enumerate(self.layers):
            if step.id != position or any(source >= position for source in step.inputs):
                raise ValueError(f"step {position} has id {step.id} or reads a later step")
        return self

    # ---- the questions checks ask ----------------------------------------------------------

    def steps(self, kind: str | None = None) -> list[Step]:
        return [step for step in self.layers if kind is None or step.kind == kind]

    @cached_property
    def output_layer(self) -> Step | None:
        """The last step with parameters: the layer that produces the model's answer."""
        return next((step for step in reversed(self.layers) if step.has_parameters), None)

    def inactive(self, step: Step) -> bool:
        """A dropout that ran with training=False in a training-mode pass: it never drops anything
        (F.dropout(x, p, training=False), a Keras layer called with training=False). In an eval
        pass every dropout is off, so there it is not held against the step."""
        return step.kind == "dropout" and step.settings.get("training") is False and self.mode == "train"

    def hidden(self, kind: str | None = None) -> list[Step]:
        """Steps of kind, the output layer excluded."""
        output = self.output_layer
        return [step for step in self.steps(kind) if output is None or step.id != output.id]

    def first_calls(self) -> list[Step]:
        """Each layer object once, at its first call (shared layers run several times)."""
        return [step for step in self.layers if step.call == 1]

    @cached_property
    def _consumers(self) -> dict[int, list[Step]]:
        found: dict[int, list[Step]] = {}
        for step in self.layers:
            for source in step.inputs:
                found.setdefault(source, []).append(step)
        return found

    def activation_after(self, step: Step) -> str:
        """The activation applied to step's output: fused (Dense(activation=...)), or the
        activation step it feeds, through BatchNorm/Dropout; 'linear' when there is none."""
        fused = canonical_activation(step.settings.get("activation"))
        if step.kind != "activation" and fused != "linear":
            return fused
        current = step
        while True:
            consumers = self._consumers.get(current.id)
            if consumers is None and current.id + 1 < len(self.layers) and not self.layers[current.id + 1].inputs:
                consumers = [self.layers[current.id + 1]]  # the data flow was lost (Keras raw ops): next step
            if not consumers or len(consumers) != 1:
                return "linear"
            current = consumers[0]
            if current.kind == "activation":
                return canonical_activation(current.settings.get("activation"))
            if current.kind not in _TRANSPARENT:
                return "linear"

    def activations_used(self) -> set[str]:
        """Every activation that runs: activation steps and activations fused into layers."""
        used = {canonical_activation(step.settings.get("activation")) for step in self.layers
                if step.kind == "activation" or "activation" in step.settings}
        return used - {"linear"}

    @cached_property
    def _ancestors(self) -> list[frozenset[int]]:
        found: list[frozenset[int]] = []
        for step in self.layers:
            reached: set[int] = set()
            for source in step.inputs:
                reached |= {source} | (found[source] if source >= 0 else frozenset())
            found.append(frozenset(reached))
        return found

    def skip_merges(self, kinds: tuple[str, ...], long: bool = False) -> list[Step]:
        """Merges of those kinds whose operands split from a common earlier point: x + f(x),
        a U-Net's concatenation of encoder and decoder features, a projection shortcut. `long`:
        only merges where one operand went down to a lower resolution than the merge's and came
        back up since the split (a U-Net's encoder features joining the decoder), not a skip
        around a block at one resolution."""
        merges = []
        for step in self.layers:
            if step.kind not in kinds or len(step.inputs) < 2:
                continue
            lines = [{source} | (self._ancestors[source] if source >= 0 else set()) for source in step.inputs]
            pairs = [(i, j) for i in range(len(lines)) for j in range(len(lines)) if i != j and lines[i] & lines[j]]
            if pairs and (not long or any(self._dips_below(lines[i] - lines[j], step) for i, j in pairs)):
                merges.append(step)
        return merges

    def resampling(self, direction: str) -> list[Step]:
        """Steps whose feature map leaves smaller (`down`: pooling, a strided convolution) or
        larger (`up`: a transposed convolution, upsampling) than it came in, whichever layer does it."""
        found = []
        for step in self.layers:
            if step.kind not in RESAMPLING_KINDS or not step.input_shapes:
                continue
            before, after = self._spatial_size(step.input_shapes[0]), self._spatial_size(step.output_shape)
            if before is not None and after is not None and (after < before if direction == "down" else after > before):
                found.append(step)
        return found

    def _spatial_size(self, shape: list[int | None] | None) -> int | None:
        """Pixels of one feature map ([N, C, H, W] in PyTorch, [N, H, W, C] in Keras)."""
        sizes = [n for n in shape or () if n is not None]
        if len(sizes) < 3 or len(sizes) != len(shape or ()):  # too few axes, or one unknown
            return None
        spatial = sizes[2:] if self.framework == "pytorch" else sizes[1:-1]
        return math.prod(spatial)

    def _dips_below(self, branch: set[int], merge: Step) -> bool:
        """Whether a step of branch produced a smaller feature map than the merge's."""
        size = self._spatial_size(merge.output_shape)
        sizes = [self._spatial_size(self.layers[i].output_shape) for i in branch if i >= 0]
        return size is not None and any(n is not None and n < size for n in sizes)

    def ancestors(self, step_id: int) -> frozenset[int]:
        """Every step whose output step_id's output was computed from."""
        return self._ancestors[step_id]

    def unused(self) -> list[Holder]:
        """Layer objects the model holds that never ran."""
        return [holder for holder in self.modules if holder.registered and holder.calls == 0
                and not holder.settings.get("own_parameters")]

    def unregistered(self) -> list[Holder]:
        """Layer objects that ran without the model holding them (their weights never train)."""
        return [holder for holder in self.modules if not holder.registered]
