"""The `dataset_stats` check: the host computes a split's per-channel statistics from the dataset
cache itself, and a notebook's normalisation constants are judged against them in either scale."""

from __future__ import annotations

import numpy as np
import pytest

from course_support import grade_in_course
from grader.errors import InfrastructureError, SpecError
from grader.evaluation import dataset_statistics
from grader.results import CheckStatus


@pytest.mark.slow
def test_statistics_are_per_channel_in_unit_scale_from_the_cache_files(dataset_cache):
    statistics = dataset_statistics({"mnist/train", "cifar10/train"}, dataset_cache)
    with np.load(dataset_cache / "public" / "mnist" / "mnist.npz") as data:
        digits = data["x_train"] / 255.0
    assert statistics["mnist/train"]["mean"] == pytest.approx([digits.mean()])
    assert statistics["mnist/train"]["std"] == pytest.approx([digits.std()])
    cifar = statistics["cifar10/train"]
    assert cifar["mean"].shape == cifar["std"].shape == (3,)
    assert np.all((cifar["mean"] > 0.05) & (cifar["mean"] < 0.95)) and np.all(cifar["std"] > 0.05)
    with pytest.raises(InfrastructureError, match="dataset nosuch/train is unavailable"):
        dataset_statistics({"nosuch/train"}, dataset_cache)


def grade(tmp_path, local_sandbox, cells: list[str], checks: list[dict]):
    return grade_in_course(tmp_path, local_sandbox, cells, checks, spec="datasets: [cifar10]\n")


LOAD = ("import pickle\nimport numpy as np\n"
        "def batch(name):\n    with open(f'data/cifar-10-batches-py/{name}', 'rb') as f:\n"
        "        return pickle.load(f, encoding='latin1')['data'].reshape(-1, 3, 32, 32)\n"
        "train = np.concatenate([batch(f'data_batch_{i}') for i in range(1, 6)]).transpose(0, 2, 3, 1) / 255.0\n"
        "mean, std = train.mean(axis=(0, 1, 2)), train.std(axis=(0, 1, 2))")


def stats_check(check_id: str, **params) -> dict:
    return {"id": check_id, "title": check_id, "kind": "dataset_stats", "points": 2,
            "params": {"dataset": "cifar10", **params}}


@pytest.mark.slow
def test_constants_from_the_training_set_pass_in_either_scale_and_others_fail(tmp_path, local_sandbox):
    cells = [LOAD,
             "mean_255, std_255 = list(mean * 255), tuple(std * 255)\n"
             "imagenet_mean, imagenet_std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]\n"
             "per_image_std = train.std(axis=(1, 2)).mean(axis=0)  # the average image's spread: too small\n"
             "grey = [float(train.mean())]"]
    checks = [stats_check("unit"), stats_check("pixels", mean="mean_255", std="std_255"),
              stats_check("imagenet", mean="imagenet_mean", std="imagenet_std"),
              stats_check("half", std="per_image_std", partial=True),
              stats_check("channels", mean="grey", std=None), stats_check("absent", mean="mu", std=None)]
    result = grade(tmp_path, local_sandbox, cells, checks)
    outcomes = {c.id: (c.status, c.points, c.message) for c in result.checks}
    assert outcomes["unit"][0] == outcomes["pixels"][0] == CheckStatus.PASSED
    assert outcomes["imagenet"][:2] == (CheckStatus.FAILED, 0)
    assert "'imagenet_mean' is [0.485, 0.456, 0.406], but the train split of cifar10 has per-channel mean" in \
        outcomes["imagenet"][2]
    assert "'imagenet_std' is" in outcomes["imagenet"][2] and "tolerance 0.01" in outcomes["imagenet"][2]
    assert outcomes["half"][:2] == (CheckStatus.PARTIAL, 1.0) and "'per_image_std' is" in outcomes["half"][2]
    assert "'grey' has 1 value(s), expected one per channel (3)" in outcomes["channels"][2]
    assert "'mu' is not defined" in outcomes["absent"][2]


def test_a_split_without_public_files_is_a_rubric_error(tmp_path, local_sandbox):
    with pytest.raises(SpecError, match="split"):
        grade(tmp_path, local_sandbox, ["x = 1"], [stats_check("hidden", split="hidden")])


@pytest.mark.parametrize("dataset, message", [("cifar100", "unknown dataset 'cifar100'"),
                                              ("vgg16_imagenet", "pretrained weights, not a dataset")])
def test_a_dataset_the_host_cannot_read_is_a_rubric_error(tmp_path, local_sandbox, dataset, message):
    with pytest.raises(SpecError, match=message):
        grade(tmp_path, local_sandbox, ["x = 1"], [stats_check("stats", dataset=dataset)])
