"""Assignment and rubric loading: valid files load; every mistake names file, line and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURE_COURSE
from grader.course import list_assignments, load_assignment
from grader.errors import SpecError, UsageError
from grader.spec.units import parse_size


@pytest.fixture
def course(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


def edit_rubric(course: Path, old: str, new: str) -> None:
    path = course / "rubrics" / "toy.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_fixture_course_loads(course):
    toy = load_assignment("toy", root=course)
    assert list_assignments(course) == ["toy"]
    assert toy.spec.resources.memory == 2 * 1024**3
    assert toy.rubric.max_points == 14
    assert [c.id for c in toy.checks(public_only=True)] == [c.id for c in toy.rubric.checks if c.id != "hidden-accuracy"]
    assert toy.params["public-accuracy"].bands[0].fraction == 0.5


def test_unknown_check_kind_names_line_and_allowed_kinds(course):
    edit_rubric(course, "kind: function", "kind: fucntion")
    with pytest.raises(SpecError) as error:
        load_assignment("toy", root=course)
    message = str(error.value)
    assert "toy.yaml:11: checks[1].kind: unknown check kind 'fucntion'" in message
    from grader.checks import KINDS

    assert f"allowed: {', '.join(sorted(KINDS))}" in message and "detections" in message


def test_misspelt_key_lists_allowed_keys(course):
    edit_rubric(course, "    points: 1\n", "    pionts: 1\n")
    with pytest.raises(SpecError) as error:
        load_assignment("toy", root=course)
    assert "checks[0].pionts: unknown key; allowed keys here: id, kind, messages, params, points, title, visibility" in str(error.value)
    assert "checks[0].points: required key is missing" in str(error.value)


def test_bad_kind_params_are_located(course):
    edit_rubric(course, "metric: accuracy, threshold: 0.9, bands", "metric: acuracy, threshold: 0.9, bands")
    edit_rubric(course, "{name: table, type: ndarray", "{nmae: table, type: ndarray")
    with pytest.raises(SpecError) as error:
        load_assignment("toy", root=course)
    message = str(error.value)
    assert "toy.yaml:24: checks[2].params.nmae: unknown key" in message
    assert "unknown metric 'acuracy'" in message


def test_metric_check_needs_the_split_it_reads(course):
    spec = course / "assignments" / "toy" / "assignment.yaml"
    spec.write_text(spec.read_text().replace("  hidden: {dataset: blobs2d, split: hidden, limit: 200}\n", ""))
    with pytest.raises(SpecError, match="needs the 'hidden' evaluation data"):
        load_assignment("toy", root=course)


def test_duplicate_check_ids_and_bad_yaml(course):
    edit_rubric(course, "id: square", "id: runs")
    with pytest.raises(SpecError, match="check id 'runs' is used twice"):
        load_assignment("toy", root=course)
    (course / "rubrics" / "toy.yaml").write_text("checks: [unclosed")
    with pytest.raises(SpecError, match="toy.yaml:1: not valid YAML"):
        load_assignment("toy", root=course)


def test_assignment_spec_errors(course):
    spec = course / "assignments" / "toy" / "assignment.yaml"
    spec.write_text(spec.read_text().replace("framework: numpy", "framework: caffe").replace("memory: 2GiB", "memory: lots"))
    with pytest.raises(SpecError) as error:
        load_assignment("toy", root=course)
    assert "assignment.yaml:3: framework: Input should be 'numpy'" in str(error.value)
    assert "not a size: 'lots'" in str(error.value)
    assert error.value.exit_code == 2


def test_dataset_names_are_checked_when_the_spec_loads(course):
    spec = course / "assignments" / "toy" / "assignment.yaml"
    spec.write_text(spec.read_text().replace("datasets: [blobs2d]", "datasets: [blobs2d, mnsit]")
                    .replace("hidden: {dataset: blobs2d", "hidden: {dataset: vgg16_imagenet"))
    with pytest.raises(SpecError) as error:
        load_assignment("toy", root=course)
    assert "datasets: Value error, unknown dataset 'mnsit'; known: " in str(error.value)
    assert "evaluation.hidden.dataset: Value error, 'vgg16_imagenet' holds pretrained weights, not a dataset" in str(error.value)
    assert error.value.exit_code == 2


def test_unknown_assignment_is_a_usage_error(course):
    with pytest.raises(UsageError, match="unknown assignment 'nope'.*known: toy"):
        load_assignment("nope", root=course)


@pytest.mark.parametrize("text, size", [("4GiB", 4 * 1024**3), ("512 MB", 512 * 10**6), (1024, 1024), ("1.5KiB", 1536)])
def test_sizes(text, size):
    assert parse_size(text) == size


def test_bad_size():
    with pytest.raises(ValueError, match="not a size"):
        parse_size("4 GB please")
