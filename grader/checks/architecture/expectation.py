"""One item of an `architecture` check's `expect` list: exactly one key, naming an assertion."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from grader.checks.architecture.activations import Activations
from grader.checks.architecture.assertion import Assertion
from grader.checks.architecture.comparison import Deeper, DistinctActivations, GroupAssertion, ParameterBand, Wider
from grader.checks.architecture.counting import Count, OutputUnits, Widths
from grader.checks.architecture.kernels import KernelSizes
from grader.checks.architecture.ordering import Order, Sequence
from grader.checks.architecture.parameters import FreezePolicy, Frozen, Parameters
from grader.checks.architecture.residual import ResidualBlocks
from grader.checks.architecture.selectors import LayerSelector
from grader.checks.architecture.structure import (
    AllLayersRegistered,
    AllLayersRun,
    Backbone,
    Resampling,
    SkipConnections,
)
from grader.checks.architecture.training import Loss, Optimizer
from grader.spec.assignment import Strict


class Expectation(Strict):
    count: Count | None = None
    units: Widths | None = None
    output_units: int | None = None
    order: Order | None = None
    sequence: list[LayerSelector] | None = None
    activations: Activations | None = None
    loss: Loss | None = None
    optimizer: Optimizer | None = None
    parameters: Parameters | None = None
    frozen: FreezePolicy | None = None
    skip_connections: SkipConnections | None = None
    resampling: Resampling | None = None
    residual_blocks: ResidualBlocks | None = None
    backbone: Backbone | None = None
    all_layers_run: Literal[True] | None = None
    all_layers_registered: Literal[True] | None = None
    kernel_sizes: KernelSizes | None = None
    parameter_band: ParameterBand | None = None
    wider: Wider | None = None
    deeper: Deeper | None = None
    distinct_activations: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Expectation:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"each item of expect has exactly one key (got {', '.join(given) or 'none'}); "
                             f"allowed: {', '.join(type(self).model_fields)}")
        return self

    @property
    def assertion(self) -> Assertion:
        name = next(name for name in type(self).model_fields if getattr(self, name) is not None)
        value = getattr(self, name)
        wrapped = {"output_units": lambda: OutputUnits(units=value), "sequence": lambda: Sequence(layers=value),
                   "frozen": lambda: Frozen(policy=value), "all_layers_run": AllLayersRun,
                   "all_layers_registered": AllLayersRegistered,
                   "distinct_activations": DistinctActivations}
        return wrapped[name]() if name in wrapped else value

    @property
    def across_models(self) -> bool:
        """True for assertions that compare the check's models (`models:`) with each other."""
        return isinstance(self.assertion, GroupAssertion)
