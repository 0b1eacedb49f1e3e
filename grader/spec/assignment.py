"""The assignment spec: assignments/<id>/assignment.yaml (format in docs/formats.md)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

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


@dataclass(frozen=True)
class SpecContext:
    """What validating an assignment.yaml needs besides the document: the folder its paths resolve
    against, and the names its `own_datasets` declares (so that `evaluation` may name them)."""

    folder: Path
    own_datasets: frozenset[str] = frozenset()

    @classmethod
    def of(cls, path: Path, document: Any) -> SpecContext:
        """The context of the document read from `path` (its own dataset names read before it is
        validated: `evaluation` is checked against them while it is)."""
        own = document.get("own_datasets") if isinstance(document, dict) else None
        return cls(Path(path).parent, frozenset(name for name in own if isinstance(name, str))
                   if isinstance(own, dict) else frozenset())


def _own_names(info: ValidationInfo) -> frozenset[str]:
    return info.context.own_datasets if isinstance(info.context, SpecContext) else frozenset()


class EvaluationSplit(Strict):
    dataset: str
    split: Literal["train", "test", "hidden"]
    limit: int | None = Field(None, gt=0, description="use only the first N samples")

    @field_validator("dataset")
    @classmethod
    def _has_splits(cls, name: str, info: ValidationInfo) -> str:
        return name if name in _own_names(info) else known_dataset(name, with_splits=True)


class PublicSplits(Strict):
    train: str | None = None
    test: str | None = None

    @field_validator("train", "test")
    @classmethod
    def _inside(cls, path: str | None) -> str | None:
        """Public files are shipped in the bundle and staged at the same relative path, so they
        lie inside the assignment folder."""
        if path is not None and (posixpath.isabs(path) or posixpath.normpath(path).startswith("..")):
            raise ValueError(f"{path!r} is not inside the assignment folder: public splits are shipped to students "
                             "at the same relative path, so give a path below the folder of assignment.yaml")
        if path is not None and posixpath.normpath(path) == ".":
            raise ValueError("a public split is a file or folder below the assignment folder, not the folder itself "
                             "(all of it would be shipped, the master source too)")
        return path


class OwnDataset(Strict):
    """A dataset from the course's own files (docs/formats.md, own_datasets). Paths are relative to
    the folder of the assignment.yaml that declares it (`folder`); the files are read and checked
    when the spec is loaded (grader.datasets.declared)."""

    format: Literal["npz", "npy", "csv", "images"]
    public: PublicSplits = PublicSplits()
    hidden: str | None = Field(None, description="host-only; outside the assignment folder (an absolute path too)")
    label: str | None = Field(None, validate_default=True, description="csv: the label column")
    _folder: Path | None = PrivateAttr(None)

    def model_post_init(self, context: Any) -> None:
        self._folder = context.folder if isinstance(context, SpecContext) else None

    @field_validator("label")
    @classmethod
    def _label_for_csv(cls, label: str | None, info: ValidationInfo) -> str | None:
        fmt = info.data.get("format")  # absent when the format itself was invalid
        if fmt == "csv" and not label:
            raise ValueError("a csv dataset names its label column: label: <column>")
        if fmt not in ("csv", None) and label is not None:
            raise ValueError(f"label names a csv file's label column; a {fmt} dataset has none "
                             "(docs/formats.md says where its labels come from)")
        return label

    @model_validator(mode="after")
    def _has_a_split(self) -> OwnDataset:
        if not self.splits():
            raise ValueError("declares no split: give public.train, public.test or hidden")
        return self

    @property
    def folder(self) -> Path:
        """The folder of the assignment.yaml that declared it, against which its paths resolve."""
        if self._folder is None:
            raise ValueError("an own dataset's paths resolve against its assignment.yaml's folder; "
                             "validate it with a SpecContext")
        return self._folder

    def splits(self) -> dict[str, str]:
        """{"train" | "test" | "hidden": its path as declared}, for the splits it has."""
        declared = {"train": self.public.train, "test": self.public.test, "hidden": self.hidden}
        return {split: path for split, path in declared.items() if path is not None}


class Evaluation(Strict):
    public: EvaluationSplit | None = None
    hidden: EvaluationSplit | None = None


def _not_built_in(name: str) -> str:
    from grader.datasets.registry import is_built_in

    if is_built_in(name):
        raise ValueError(f"{name!r} is a built-in dataset: give your own dataset another name")
    return name


OwnName = Annotated[str, Field(pattern=IDENTIFIER), AfterValidator(_not_built_in)]


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: int | float | str | timedelta) -> timedelta:
    """`15m`, `2h`, `1d`, `90s` or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([smhd])\s*", str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 15m, 2h, 1d or a number of seconds)")
        seconds = float(match.group(1)) * DURATION_UNITS[match.group(2)]
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r}")
    return timedelta(seconds=seconds)


class Late(Strict):
    """The late-submission rule (docs/formats.md, late): `per_day` of the earned score is deducted
    for each day or part of a day after the deadline, at most `cap`; a submission within `grace`
    of the deadline is on time."""

    deadline: AwareDatetime = Field(description="ISO 8601 with a timezone, e.g. 2026-11-20T23:59:00+01:00")
    per_day: float = Field(gt=0, le=1, description="fraction of the earned score deducted per day late")
    cap: float = Field(1.0, gt=0, le=1, description="the largest fraction deducted")
    grace: Annotated[timedelta, BeforeValidator(parse_duration)] = Field(
        timedelta(0), description="on time if submitted at most this long after the deadline")
    timezone: str | None = Field(None, description="IANA zone of submission times the LMS wrote without one "
                                                   "(zip member times); default: the deadline's offset")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown timezone {name!r} (an IANA name, e.g. Europe/Berlin)") from None
        return name


class Assignment(Strict):
    id: str = Field(pattern=IDENTIFIER)
    title: str
    framework: Literal["numpy", "pytorch", "keras", "tensorflow", "any"]
    starter: str = "starter.ipynb"
    readme: str = "README.md"
    parameters: dict[str, Any] = Field(default_factory=dict, description="injected after the 'parameters' cell")
    limits: Limits = Limits()
    resources: Resources = Resources()
    datasets: list[str] = Field(default_factory=list, description="built-in datasets staged into the sandbox")
    own_datasets: dict[OwnName, OwnDataset] = Field(default_factory=dict, description="from the course's own files")
    objects: dict[str, str] = Field(default_factory=dict, description="role -> name the student must define")
    evaluation: Evaluation = Evaluation()
    requirements: list[str] = Field(default_factory=list, description="python packages the runtime image needs")
    late: Late | None = Field(None, description="late-submission penalty (docs/formats.md, late)")

    @field_validator("datasets")
    @classmethod
    def _provided(cls, names: list[str], info: ValidationInfo) -> list[str]:
        for name in set(names) & _own_names(info):
            raise ValueError(f"{name!r} is one of own_datasets, which are staged from their declaration: "
                             "list only built-in datasets here")
        return [known_dataset(name) for name in names]
