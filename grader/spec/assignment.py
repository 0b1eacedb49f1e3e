"""The assignment spec: assignments/<id>/assignment.yaml (format in docs/formats.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grader.spec.units import Size

IDENTIFIER = r"^[a-z0-9][a-z0-9_-]*$"


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never silently drop a setting."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(Strict):
    cell_timeout: float = Field(120, gt=0, description="seconds one cell may run before it is interrupted")
    total_timeout: float = Field(900, gt=0, description="seconds the whole notebook may run")
    probe_timeout: float = Field(120, gt=0, description="seconds the grader's probes may run afterwards")


class Resources(Strict):
    memory: Size = Field(4 * 1024**3, description="address space / container memory")
    cpus: float = Field(2, gt=0)
    processes: int = Field(256, gt=0)
    open_files: int = Field(1024, gt=0)
    file_size: Size = Field(1024**3, description="largest file the notebook may write")
    disk: Size = Field(1024**3, description="docker sandbox: size of the scratch folder, held in memory")
    output: Size = Field(1024**2, description="captured output kept per cell")
    gpus: str | None = Field(None, description="docker sandbox only: 'all', a count or device ids")


def known_dataset(name: str, *, with_splits: bool = False) -> str:
    """name, if the grader provides it (and it has splits the host reads, when asked); else a
    ValueError for the spec or rubric validator. Imported here: the registry loads the datasets."""
    from grader.datasets import get_dataset, get_provider

    try:
        (get_dataset if with_splits else get_provider)(name)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    return name


class EvaluationSplit(Strict):
    dataset: str
    split: Literal["train", "test", "hidden"]
    limit: int | None = Field(None, gt=0, description="use only the first N samples")

    @field_validator("dataset")
    @classmethod
    def _has_splits(cls, name: str) -> str:
        return known_dataset(name, with_splits=True)


class Evaluation(Strict):
    public: EvaluationSplit | None = None
    hidden: EvaluationSplit | None = None


class Assignment(Strict):
    id: str = Field(pattern=IDENTIFIER)
    title: str
    framework: Literal["numpy", "pytorch", "keras", "tensorflow", "any"]
    starter: str = "starter.ipynb"
    readme: str = "README.md"
    parameters: dict[str, Any] = Field(default_factory=dict, description="injected after the 'parameters' cell")
    limits: Limits = Limits()
    resources: Resources = Resources()
    datasets: list[str] = Field(default_factory=list)
    objects: dict[str, str] = Field(default_factory=dict, description="role -> name the student must define")
    evaluation: Evaluation = Evaluation()
    requirements: list[str] = Field(default_factory=list, description="python packages the runtime image needs")

    @field_validator("datasets")
    @classmethod
    def _provided(cls, names: list[str]) -> list[str]:
        return [known_dataset(name) for name in names]
