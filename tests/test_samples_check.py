"""The `samples` check: a generator's samples are checked for shape and range, then judged by a
classifier the grader trains itself on the real stand-in data (grader/judge.py).

The calibration tests use the real judge and the real `mnist` stand-in with the thresholds the
gan-lab rubric uses (QUALITY), so a change to the judge that lets noise, flat images, the blurred
average image or a collapsed generator through, or that stops recognising real digits, fails here."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from architecture_support import grade_cells, write_lab
from grader.checks import KINDS, Evidence
from grader.checks.base import HostData
from grader.checks.samples import SamplesParams, judged, sample_request
from grader.contract import SampleRequest
from grader.course import load_assignment
from grader.datasets import get_provider
from grader.errors import SpecError
from grader.judge import judge_path, load_judge
from grader.observations import Observations
from grader.plan import plan_probes
from grader.probe.jsonvalues import encode
from grader.results import CheckStatus
from grader.spec.assignment import Assignment
from grader.spec.rubric import Check

N = 200
QUALITY = {"n": N, "shape": [[1, 28, 28]], "range": [-1, 1], "verify": ["quality"], "dataset": "mnist",
           "confidence": 0.9, "recognised": 0.3, "classes": 5}


@pytest.fixture(scope="module")
def judge(dataset_cache):
    return load_judge("mnist", dataset_cache)


@pytest.fixture(scope="module")
def digits(dataset_cache):
    """Real test digits as a generator in the data's range [-1, 1] would draw them."""
    images, labels = get_provider("mnist").split(dataset_cache, "test")
    return images[:N, None].astype(np.float64) / 127.5 - 1.0, labels[:N]


def verdict(judge, samples):
    """The quality check's outcome for `samples` returned by the student's callable."""
    check = Check(id="quality", title="quality", kind="samples", points=1, params=QUALITY)
    params = SamplesParams(**QUALITY)
    probe = sample_request(params).id
    observations = Observations(schema=1, status="completed",
                                probes={probe: {"ok": True, "value": encode(samples.astype(np.float32))}})
    evidence = Evidence(observations=observations, assignment=Assignment(id="lab", title="lab", framework="pytorch"),
                        host=HostData(judges={"mnist": judge}))
    outcome = KINDS["samples"].evaluate(check, params, evidence)
    return replace(outcome, message=str(outcome.message))  # in English, as grade.json keeps it


@pytest.mark.slow  # trains the sample judge on MNIST (the `judge` fixture, 20-45 s once)
def test_real_digits_earn_the_quality_points(judge, digits):
    found = judged(digits[0], SamplesParams(**QUALITY), judge)
    assert found["recognised"] >= 0.9 and found["classes"] >= 9
    assert verdict(judge, digits[0]).fraction == 1.0


def failed_samples(digits: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    one_class = digits[0][digits[1] == 3]
    return {
        "uniform noise": rng.uniform(-1, 1, (N, 1, 28, 28)),
        "a black image": np.full((N, 1, 28, 28), -1.0),
        "a grey image (an untrained tanh generator)": rng.normal(0, 0.02, (N, 1, 28, 28)).clip(-1, 1),
        "the blurred average digit": np.repeat(digits[0].mean(axis=0, keepdims=True), N, axis=0),
        "the average digit with noise": (digits[0].mean(axis=0) + rng.normal(0, 0.1, (N, 1, 28, 28))).clip(-1, 1),
        "one digit over and over": np.repeat(digits[0][:1], N, axis=0),
        "only threes": np.resize(one_class, (N, 1, 28, 28)),
    }


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["uniform noise", "a black image", "a grey image (an untrained tanh generator)",
                                  "the blurred average digit", "the average digit with noise",
                                  "one digit over and over", "only threes"])
def test_what_failed_generators_draw_earns_nothing(kind, judge, digits):
    outcome = verdict(judge, failed_samples(digits)[kind])
    assert outcome.fraction == 0.0, (kind, outcome.message)
    assert "recognisable" in outcome.message or "classes" in outcome.message


@pytest.mark.slow
def test_collapse_is_named_in_the_message(judge, digits):
    outcome = verdict(judge, np.repeat(digits[0][:1], N, axis=0))
    assert "cover only 1.0 classes" in outcome.message and "collapsed" in outcome.message


@pytest.mark.slow
def test_samples_outside_the_range_are_not_judged(judge, digits):
    pixels = (digits[0] + 1.0) * 127.5  # [0, 255]: the digits themselves, in the wrong range
    outcome = verdict(judge, pixels)
    assert outcome.fraction == 0.0 and "outside the data's range [-1, 1]" in outcome.message


@pytest.mark.slow
def test_the_judge_is_trained_once_and_kept_host_only(dataset_cache, judge):
    path = judge_path(dataset_cache, "mnist")
    assert path.is_file() and path.parent == dataset_cache / "hidden" / "mnist"
    again = load_judge("mnist", dataset_cache)
    assert all(np.array_equal(a, b) for a, b in zip(again.weights, judge.weights))
    sandbox_files = [source for source, _ in get_provider("mnist").sandbox_files(dataset_cache)]
    assert path not in sandbox_files and all("hidden" not in source.parts for source in sandbox_files)


def test_shape_and_quality_checks_share_one_probe_and_only_quality_needs_the_judge(tmp_path):
    checks = [samples_check("shape", "sample", ["shape"]), samples_check("quality", "sample", ["quality"]),
              samples_check("other", "sample_other", ["shape"])]
    lab = write_lab(tmp_path, framework="pytorch", checks=checks)
    plan = plan_probes(lab.rubric.checks, lab.params, lab.spec)
    assert [p.callable for p in plan.probes if isinstance(p, SampleRequest)] == ["sample", "sample_other"]
    assert plan.judges == {"mnist"}
    samples = [p for p in plan.probes if isinstance(p, SampleRequest)]
    assert all(set(p.to_json()) == {"id", "op", "callable", "n", "kwargs"} for p in samples)  # no thresholds, no judge


def samples_check(check_id: str, callable_name: str, verify: list[str]) -> dict:
    return {"id": check_id, "title": check_id, "kind": "samples", "points": 1,
            "params": {**QUALITY, "callable": callable_name, "n": 50, "shape": [[1, 28, 28], [784]], "verify": verify}}


SAMPLERS = """\
import numpy as np
rng = np.random.default_rng(0)

def noise(n):
    return rng.uniform(-1, 1, (n, 1, 28, 28))

def pixels(n):
    return rng.uniform(0, 255, (n, 784))

def square(n):
    return np.zeros((n, 28, 28))

def broken(n):
    raise RuntimeError("the generator is not trained yet")"""





@pytest.mark.slow
def test_in_a_real_kernel_each_mistake_costs_its_check_and_says_why(tmp_path, local_sandbox):
    checks = [samples_check("noise-shape", "noise", ["shape"]), samples_check("noise-quality", "noise", ["quality"]),
              samples_check("pixels", "pixels", ["shape"]), samples_check("square", "square", ["shape"]),
              samples_check("broken", "broken", ["shape"]), samples_check("missing", "generate", ["shape"])]
    result = grade_cells(tmp_path, local_sandbox, framework="numpy", checks=checks, cells=[SAMPLERS])
    outcomes = {c.id: (c.status, c.message) for c in result.checks}
    assert outcomes["noise-shape"][0] == CheckStatus.PASSED
    assert outcomes["noise-quality"][0] == CheckStatus.FAILED
    assert "only 0% of the samples are recognisable" in outcomes["noise-quality"][1]
    assert "outside the data's range [-1, 1]" in outcomes["pixels"][1]
    assert "one sample has shape [28, 28], expected [1, 28, 28] or [784]" in outcomes["square"][1]
    assert "the generator is not trained yet" in outcomes["broken"][1]
    assert "'generate' is not defined" in outcomes["missing"][1]


@pytest.mark.parametrize("params, message", [
    ({"shape": [[784]], "range": [1, -1]}, "range"),
    ({"shape": [[784]], "range": [-1, 1]}, "give dataset"),
    ({"shape": [[784]], "range": [-1, 1], "dataset": "celeba"}, "unknown dataset"),
    ({"shape": [[784]], "range": [-1, 1], "dataset": "vgg16_imagenet"}, "pretrained weights, not a dataset"),
    ({"shape": [], "range": [-1, 1], "verify": ["shape"]}, "shape"),
])
def test_bad_parameters_are_rubric_errors(tmp_path, params, message):
    with pytest.raises(SpecError, match=message):
        write_lab(tmp_path, framework="numpy", checks=[{"id": "s", "title": "s", "kind": "samples", "points": 1,
                                                         "params": params}])


def test_gan_lab_judges_with_the_calibrated_thresholds():
    lab = load_assignment("gan-lab")
    judged_checks = [lab.params[c.id] for c in lab.rubric.checks
                     if c.kind == "samples" and "quality" in lab.params[c.id].verify]
    assert len(judged_checks) == 2
    calibrated = SamplesParams(**QUALITY).model_dump(include=set(QUALITY))
    assert all(params.model_dump(include=set(QUALITY)) == calibrated for params in judged_checks)
