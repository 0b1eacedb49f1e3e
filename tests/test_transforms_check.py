"""The `transforms` check: augmentation pipelines built with albumentations and torchvision are
read from the objects themselves (in-process through strict JSON, and in a real kernel), and
judged by families of steps that can actually fire."""

from __future__ import annotations

import json

import pytest

from architecture_support import grade_cells
from grader.contract import TransformsRequest
from grader.errors import SpecError
from grader.probe.transforms import read_pipeline
from grader.results import CheckStatus

# albumentations and torchvision are imported when this module's first test runs (`pipelines`),
# not when pytest collects the file: collection, on every run whatever it selects, must not pay
# for them (they import torch).
albumentations = T = V = None


@pytest.fixture(scope="module", autouse=True)
def pipelines() -> None:
    global albumentations, T, V
    albumentations = pytest.importorskip("albumentations")
    T = pytest.importorskip("torchvision.transforms")
    V = pytest.importorskip("torchvision.transforms.v2")


def read(value) -> dict:
    """What the kernel writes for the pipeline `value` (strict JSON)."""
    return json.loads(json.dumps(read_pipeline(TransformsRequest(id="t", name="x"), {"x": value}).to_json(),
                                 allow_nan=False))


def names(info: dict, *, active: bool = True) -> list[str]:
    return [step["name"] for step in info["steps"] if step["active"] or not active]


def test_nested_albumentations_pipelines_are_read_in_order_with_probabilities_and_settings():
    A = albumentations
    info = read(A.Compose([A.RandomBrightnessContrast(contrast_limit=0.3, p=0.5),
                           A.OneOf([A.Blur(blur_limit=3), A.MotionBlur(p=0)], p=0.3),
                           A.SomeOf([A.HorizontalFlip(), A.Rotate(limit=10)], n=1, p=0)]))
    assert info["pipeline"] and info["type"] == "albumentations.core.composition.Compose"
    assert [(s["name"], s["depth"], s["p"]) for s in info["steps"]] == [
        ("Compose", 0, 1.0), ("RandomBrightnessContrast", 1, 0.5), ("OneOf", 1, 0.3), ("Blur", 2, 0.5),
        ("MotionBlur", 2, 0.0), ("SomeOf", 1, 0.0), ("HorizontalFlip", 2, 0.5), ("Rotate", 2, 0.5)]
    assert names(info) == ["Compose", "RandomBrightnessContrast", "OneOf", "Blur"]  # p=0 here or above: never
    assert info["steps"][1]["settings"]["contrast_limit"] == [-0.3, 0.3]
    assert info["steps"][3]["settings"]["blur_limit"] == [3, 3]


def test_torchvision_pipelines_v1_and_v2_are_read_with_their_choice_weights():
    for library in (T, V):
        info = read(library.Compose([library.RandomApply([library.ColorJitter(contrast=0.3)], p=0.5),
                                     library.GaussianBlur(3),
                                     library.RandomChoice([library.RandomHorizontalFlip(), library.Grayscale()],
                                                          p=[1.0, 0.0])]))
        assert [(s["name"], s["depth"]) for s in info["steps"]] == [
            ("Compose", 0), ("RandomApply", 1), ("ColorJitter", 2), ("GaussianBlur", 1), ("RandomChoice", 1),
            ("RandomHorizontalFlip", 2), ("Grayscale", 2)]
        assert "Grayscale" not in names(info)  # weight 0 inside RandomChoice
        assert info["steps"][2]["settings"]["contrast"] == pytest.approx([0.7, 1.3])
        assert info["steps"][3]["settings"]["kernel_size"] == [3, 3]


def test_a_dataset_is_read_through_its_transform_and_anything_else_is_no_pipeline():
    import torchvision

    dataset = torchvision.datasets.FakeData(size=2, transform=T.Compose([T.ToTensor()]))
    info = read(dataset)
    assert info["via"] == "x.transform" and names(info) == ["Compose", "ToTensor"]
    assert read("flip and blur") == {"ok": True, "type": "builtins.str", "pipeline": False, "steps": [],
                                     "truncated": False}
    with pytest.raises(NameError, match="'x' is not defined"):
        read_pipeline(TransformsRequest(id="t", name="x"), {})


def check(check_id: str, **params) -> dict:
    return {"id": check_id, "title": check_id, "kind": "transforms", "points": 2, "params": {"name": "train_aug", **params}}


CHECKS = [
    check("contrast-and-blur", includes=["contrast", "blur"]),
    check("flip-or-rotate", includes=[{"any_of": ["flip", "RandomRotate90"]}], excludes=["noise"]),
    check("partial", includes=["contrast", "blur", "normalize"], partial=True),
]


@pytest.mark.slow
def test_albumentations_and_torchvision_pipelines_are_judged_in_a_real_kernel(tmp_path, local_sandbox):
    cells = ["import albumentations as A\nfrom torchvision import transforms as T\n"
             "train_aug = A.Compose([A.HorizontalFlip(), A.OneOf([A.RandomBrightnessContrast(), A.CLAHE()]),\n"
             "                       A.GaussianBlur(p=0.2), A.Normalize()])\n"
             "tv_aug = T.Compose([T.ColorJitter(contrast=0.4), T.GaussianBlur(3), T.RandomHorizontalFlip()])"]
    result = grade_cells(tmp_path, local_sandbox, framework="pytorch", cells=cells,
                         checks=CHECKS + [{**check("torchvision", includes=["contrast", "blur", "flip"]),
                                           "params": {"name": "tv_aug", "includes": ["contrast", "blur", "flip"]}}])
    assert [(c.id, c.status) for c in result.checks] == [(c, CheckStatus.PASSED) for c in
                                                         ("contrast-and-blur", "flip-or-rotate", "partial", "torchvision")]


@pytest.mark.slow
def test_steps_that_never_fire_or_change_nothing_do_not_count(tmp_path, local_sandbox):
    cells = ["import albumentations as A\n"
             "train_aug = A.Compose([A.RandomBrightnessContrast(contrast_limit=0, p=0.5),  # brightness only\n"
             "                       A.GaussianBlur(p=0), A.GaussNoise(), A.Normalize()])",
             "pixels = [1, 2, 3]"]
    result = grade_cells(tmp_path, local_sandbox, framework="pytorch", cells=cells,
                         checks=CHECKS + [{**check("not-a-pipeline"), "params": {"name": "pixels"}}])
    outcomes = {c.id: (c.status, c.points, c.message) for c in result.checks}
    assert outcomes["contrast-and-blur"][:2] == (CheckStatus.FAILED, 0)
    assert outcomes["contrast-and-blur"][2] == "'train_aug': no contrast step; no blur step"
    assert outcomes["flip-or-rotate"][2] == "'train_aug': no step of any of flip, RandomRotate90; has noise step"
    assert outcomes["partial"][:2] == (CheckStatus.PARTIAL, pytest.approx(2 / 3, abs=1e-3))
    assert "is a builtins.list, not an augmentation pipeline" in outcomes["not-a-pipeline"][2]


def test_an_unknown_family_is_a_rubric_error(tmp_path, local_sandbox):
    with pytest.raises(SpecError, match="unknown family 'sharpen'"):
        grade_cells(tmp_path, local_sandbox, framework="pytorch", cells=["x = 1"],
                    checks=[check("bad", includes=["sharpen"])])
