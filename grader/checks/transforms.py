"""`transforms`: an augmentation pipeline, read from the object the notebook built (albumentations
or torchvision), includes the required kinds of step and none of the excluded ones.

Requirements name a family (`contrast`, `blur`, ...) that maps to the known classes of both
libraries, an exact class name, or `{any_of: [...]}` of those. A step counts only when it can
fire: its probability and that of every container around it is above zero, and a class that
does several things (ColorJitter, RandomBrightnessContrast) has a non-neutral setting for the
family in question (ColorJitter(brightness=0.2) is no contrast change).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from grader.checks.base import CheckKind, Evidence, Outcome, failed_probe_outcome, probe_id
from grader.contract import PipelineStep, ProbeRequest, TransformsRequest, TransformsResult
from grader.i18n import N_, Joined, Text, join
from grader.spec.assignment import Assignment, Strict
from grader.spec.rubric import Check

# family -> class name -> the setting that must be non-neutral for the class to count (None: always counts)
FAMILIES: dict[str, dict[str, str | None]] = {
    "contrast": {"RandomBrightnessContrast": "contrast_limit", "RandomContrast": None, "ColorJitter": "contrast",
                 "CLAHE": None, "Equalize": None, "RandomEqualize": None, "AutoContrast": None,
                 "RandomAutocontrast": None},
    "brightness": {"RandomBrightnessContrast": "brightness_limit", "RandomBrightness": None,
                   "ColorJitter": "brightness", "RandomGamma": None},
    "blur": dict.fromkeys(("Blur", "GaussianBlur", "MotionBlur", "MedianBlur", "GlassBlur", "AdvancedBlur", "Defocus",
                           "ZoomBlur")),
    "noise": dict.fromkeys(("GaussNoise", "GaussianNoise", "ISONoise", "MultiplicativeNoise", "ShotNoise",
                            "SaltAndPepper")),
    "flip": dict.fromkeys(("HorizontalFlip", "VerticalFlip", "Flip", "D4", "RandomHorizontalFlip",
                           "RandomVerticalFlip")),
    "rotate": dict.fromkeys(("Rotate", "SafeRotate", "RandomRotate90", "ShiftScaleRotate", "Affine", "RandomRotation",
                             "RandomAffine")),
    "crop": dict.fromkeys(("RandomCrop", "RandomResizedCrop", "RandomSizedCrop", "CropAndPad",
                           "RandomCropFromBorders")),
    "normalize": {"Normalize": None},
}
# Values of a setting that leave the image as it was: no change, a range of none, a factor of one.
NEUTRAL: list[Any] = [None, 0, [0, 0], [1, 1]]


class AnyOf(Strict):
    any_of: list[str] = Field(min_length=1, description="families or class names; one present is enough")


Requirement = str | AnyOf


class TransformsParams(Strict):
    name: str = Field(description="the pipeline, or a dataset whose .transform is the pipeline")
    includes: list[Requirement] = Field(default_factory=list)
    excludes: list[Requirement] = Field(default_factory=list)
    partial: bool = Field(False, description="earn the share of includes/excludes that hold")

    @field_validator("includes", "excludes")
    @classmethod
    def _known(cls, items: list[Requirement]) -> list[Requirement]:
        for item in items:
            for option in _options(item):
                if option[:1].islower() and option not in FAMILIES:
                    raise ValueError(f"unknown family {option!r}; families: {', '.join(FAMILIES)} "
                                     "(or give a class name, e.g. RandomBrightnessContrast)")
        return items


class Transforms(CheckKind):
    name = "transforms"
    Params = TransformsParams

    def probes(self, check: Check, params: TransformsParams, assignment: Assignment) -> list[ProbeRequest]:
        return [TransformsRequest(id=probe_id(check.id), name=params.name)]

    def evaluate(self, check: Check, params: TransformsParams, evidence: Evidence) -> Outcome:
        result = evidence.observations.result(probe_id(check.id), TransformsResult)
        cell = evidence.observations.execution.defining(params.name)
        number = cell.number if cell else None
        if not result.ok:
            return failed_probe_outcome(params.name, result.error,
                                        N_("read the pipeline '{name}'", name=params.name), evidence)
        if not result.pipeline:
            return Outcome.failed(N_("'{name}' is a {type}, not an augmentation pipeline (albumentations Compose or "
                                     "torchvision transforms.Compose)", name=params.name, type=result.type),
                                  cell=number)
        steps = result.steps
        source = result.via or params.name
        held = [N_("includes {step}", step=_text(item)) for item in params.includes if _present(item, steps)]
        missing = [N_("no {step}", step=_text(item)) for item in params.includes if not _present(item, steps)]
        unwanted = [N_("has {step}", step=_text(item)) for item in params.excludes if _present(item, steps)]
        total = len(params.includes) + len(params.excludes)
        observed = join([_describe(step) for step in steps], ", ") if steps else N_("no steps")
        if not missing and not unwanted:
            return Outcome.passed(N_("'{name}' {held}", name=source, held=join(held)) if held else
                                  N_("'{name}' is a pipeline", name=source), cell=number, observed=observed)
        fraction = (total - len(missing) - len(unwanted)) / total if params.partial else 0.0
        return Outcome(fraction, N_("'{name}': {problems}", name=source, problems=join(missing + unwanted)),
                       cell=number, observed=observed, expected=_expected(params))


def _options(item: Requirement) -> list[str]:
    return item.any_of if isinstance(item, AnyOf) else [item]


def _present(item: Requirement, steps: list[PipelineStep]) -> bool:
    return any(_matches(option, step) for option in _options(item) for step in steps if step.active)


def _matches(option: str, step: PipelineStep) -> bool:
    name = step.name
    if option not in FAMILIES:
        return name == option
    if name not in FAMILIES[option]:
        return False
    setting = FAMILIES[option][name]
    return setting is None or step.settings.get(setting) not in NEUTRAL


def _text(item: Requirement) -> Text | str:
    """'contrast step', 'GaussianBlur', or 'step of any of flip, RandomRotate90'."""
    options = _options(item)
    if len(options) > 1:
        return N_("step of any of {options}", options=options)
    return N_("{family} step", family=options[0]) if options[0] in FAMILIES else options[0]


def _describe(step: PipelineStep) -> Text | str:
    text = "  " * step.depth + step.name
    if step.p is not None:
        text += f"(p={step.p:g})"
    return text if step.active else N_("{step} [never applied]", step=text)


def _expected(params: TransformsParams) -> Joined:
    parts = [N_("includes {step}", step=_text(item)) for item in params.includes]
    parts += [N_("no {step}", step=_text(item)) for item in params.excludes]
    return join(parts)
