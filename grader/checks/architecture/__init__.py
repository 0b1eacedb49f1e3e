"""`architecture`: what the student's model really is, read from a real forward pass in the
kernel (grader.probe.introspect), checked against a list of declarative assertions.

Checks that describe the same model with the same input share one probe (its id is a hash of
the request), so a rubric may split the architecture into several checks with their own points
at no extra cost."""

from __future__ import annotations

from typing import Any, Literal, cast

from pydantic import Field, ValidationError, model_validator

from grader.architecture.description import ModelDescription
from grader.architecture.feedback_table import architecture_details
from grader.checks.architecture.assertion import Verdict
from grader.checks.architecture.comparison import GroupAssertion
from grader.checks.architecture.expectation import Expectation
from grader.checks.base import CheckKind, Evidence, Outcome, failed_probe_outcome, shared_probe
from grader.checks.values import to_wire
from grader.contract import InputSpec, ModelBuild, ModelRequest, ModelResult, ProbeRequest
from grader.i18n import N_, Message, Text, join
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check


class Build(Strict):
    """A fresh model from the student's class: `{class: MLP, args: [[64, 32, 16]]}`."""

    class_name: str = Field(alias="class")
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)


class ArchitectureParams(Strict):
    model: str | None = Field(None, description="the model's name in the notebook; default objects.model or 'model'")
    build: Build | None = Field(None, description="describe a new instance of the student's class instead")
    models: list[str] | None = Field(None, min_length=2, description="several models' names: each is checked "
                                     "against every assertion, and parameter_band/wider/deeper/distinct_activations "
                                     "compare them")
    input_shape: list[int] | list[list[int]] | None = Field(None, description="one sample (no batch axis); "
                                                            "a list of shapes for several inputs")
    input_dtype: str | None = Field(None, description="e.g. int64 for token ids; default: the model's float type")
    mode: Literal["train", "eval"] = "train"
    batch: int | None = Field(None, ge=1, le=64)
    expect: list[Expectation] = Field(min_length=1)
    partial: bool = Field(False, description="earn the share of assertions that hold")

    @model_validator(mode="after")
    def _one_model(self) -> ArchitectureParams:
        if sum(given is not None for given in (self.model, self.build, self.models)) > 1:
            raise ValueError("give one of model, build and models")
        if self.models is None and any(item.across_models for item in self.expect):
            raise ValueError("parameter_band, wider, deeper and distinct_activations compare several models: "
                             "list them in models")
        return self

    def inputs(self) -> list[InputSpec] | None:
        if self.input_shape is None:
            return None
        several = bool(self.input_shape) and isinstance(self.input_shape[0], list)
        shapes = cast(list[list[int]], self.input_shape if several else [self.input_shape])
        return [InputSpec(shape=shape, dtype=self.input_dtype or None) for shape in shapes]

    def target(self, assignment: Assignment) -> str:
        return self.build.class_name if self.build else self.model or assignment.objects.get("model", "model")

    def targets(self, assignment: Assignment) -> list[str]:
        """The names of the models (or the class) this check describes."""
        return self.models or [self.target(assignment)]


def model_request(params: ArchitectureParams, assignment: Assignment, name: str | None = None) -> ModelRequest:
    """The probe request describing the model (or `name`, one of `models`); identical requests
    get identical ids."""
    build = params.build
    return shared_probe(ModelRequest(
        id="", mode=params.mode,
        build=ModelBuild(class_name=build.class_name, args=to_wire(build.args), kwargs=to_wire(build.kwargs))
        if build else None,
        name=None if build else name or params.target(assignment),
        input_specs=params.inputs() or None, batch=params.batch or None), "model")


class Architecture(CheckKind):
    name = "architecture"
    Params = ArchitectureParams

    def probes(self, check: Check, params: ArchitectureParams, assignment: Assignment) -> list[ProbeRequest]:
        return [model_request(params, assignment, name) for name in params.targets(assignment)]

    def evaluate(self, check: Check, params: ArchitectureParams, evidence: Evidence) -> Outcome:
        models: list[tuple[str, ModelDescription]] = []
        for target in params.targets(evidence.assignment):
            read = _read_model(target, params, evidence)
            if isinstance(read, Outcome):
                return read
            models.append((target, read))
        cell = evidence.observations.execution.defining(models[0][0])
        number = cell.number if cell else None
        if params.models:
            return _outcome([verdict for item in params.expect for verdict in group_verdicts(item, models)],
                            models[0][1], params, number, table=False)
        model = models[0][1]
        verdicts = [verdict_for(item, model) for item in params.expect]
        shows_layers = any(item.assertion.needs_trace for item in params.expect)
        return _outcome(verdicts, model, params, number, table=shows_layers)


def _read_model(target: str, params: ArchitectureParams, evidence: Evidence) -> ModelDescription | Outcome:
    """The validated description of one model, or the failed outcome that says why there is none."""
    result = evidence.observations.result(model_request(params, evidence.assignment, target).id, ModelResult)
    if not result.ok:
        use = "class" if params.build else "model"
        return failed_probe_outcome(target, result.error, N_("read the model '{name}'", name=target), evidence, use)
    cell = evidence.observations.execution.defining(target)
    number = cell.number if cell else None
    try:
        model = ModelDescription.model_validate(result.description)
    except ValidationError as exc:
        return Outcome.failed(N_("the model description that came back was malformed ({error})",
                                 error=exc.errors()[0]["msg"]))
    problem = model.tamper.problem()
    if problem:
        return Outcome.failed(N_("architecture not checked: {problem}", problem=problem), cell=number)
    return model


NOT_RUN = N_("not checked: the forward pass failed")


def group_verdicts(item: Expectation, models: list[tuple[str, ModelDescription]]) -> list[Verdict]:
    """A comparison's one verdict across the models, or a one-model assertion's verdict for each,
    named after its model."""
    assertion = item.assertion
    if isinstance(assertion, GroupAssertion):  # item.across_models
        broken = [name for name, model in models if assertion.needs_trace and not model.trace.ok]
        if broken:
            return [Verdict(False, assertion.group_verdict(models).expected,
                            N_("not checked: the forward pass of {models} failed", models=", ".join(broken)))]
        return [assertion.group_verdict(models)]
    verdicts = [(name, verdict_for(item, model)) for name, model in models]
    return [Verdict(v.passed, N_("{model}: {text}", model=name, text=v.expected),
                    v.found if v.found == NOT_RUN else N_("{model}: {text}", model=name, text=v.found))
            for name, v in verdicts]


def verdict_for(item: Expectation, model: ModelDescription) -> Verdict:
    """The item's verdict; assertions about layers are not judged when the forward pass failed."""
    assertion = item.assertion
    verdict = assertion.verdict(model)
    if assertion.needs_trace and not model.trace.ok:
        return Verdict(False, verdict.expected, NOT_RUN)
    return verdict


def _outcome(verdicts: list[Verdict], model: ModelDescription, params: ArchitectureParams, cell: int | None, *,
             table: bool) -> Outcome:
    """All assertions hold, or a message naming each one that does not; the layer table (for
    checks about layers, not only about the loss or optimizer) with the offending rows marked."""
    failing = [v for v in verdicts if not v.passed]
    marked = sorted({step for v in failing for step in (*v.marked, *v.notes)})
    notes: dict[int, Message] = {}
    for verdict in failing:
        for step, note in verdict.notes.items():
            notes[step] = join([notes[step], note]) if step in notes and str(note) not in str(notes[step]) else note
    expected_rows = next((v.expected_rows for v in verdicts if v.expected_rows), None)
    details = ({"architecture": architecture_details(model, marked=marked, notes=notes, expected=expected_rows)}
               if table else {})
    if not failing:
        return Outcome.passed(N_("as required: {expected}", expected=join([v.expected for v in verdicts])), cell=cell,
                              details=details)
    fraction = (len(verdicts) - len(failing)) / len(verdicts) if params.partial else 0.0
    blocked = [v.expected for v in failing if v.found == NOT_RUN]
    problems = [N_("expected {expected}, found {found}", expected=v.expected, found=v.found)
                for v in failing if v.found != NOT_RUN]
    if blocked:  # the error once, in the message; the input by its shape and dtype, never its values
        problems.insert(0, N_("the model could not run on {input} ({error}), so these were not checked: {blocked}",
                              input=_input_kinds(model), error=model.trace.error, blocked=join(blocked)))
    observed = [v.found for v in failing if v.found != NOT_RUN]
    return Outcome(fraction, join(problems), expected=join([v.expected for v in failing]),
                   observed=join(observed) if observed else None, cell=cell, details=details)


def _input_kinds(model: ModelDescription) -> Text:
    """'an input of shape [1, 784] (float32)': what the forward pass was given."""
    kinds = [f"{spec.get('shape')} ({spec.get('dtype', 'float32')})" for spec in model.inputs]
    return N_("an input of shape {shapes}", shapes=" & ".join(kinds)) if kinds else N_("an input")
