"""An author's own datasets (assignment.yaml's own_datasets, docs/formats.md): every format read into
arrays; every bad declaration a spec error with file and line; public splits shipped in the bundle
and staged into the sandbox as real files, the hidden split neither; `metric` checks evaluated on
the hidden split on the host. All fast: a tmp course from `grader new`, real files, no kernel (the
tutorial step that grades with a kernel is tests/test_authoring.py's slow tutorial test)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from conftest import make_notebook
from grader.authoring.scaffold import scaffold
from grader.cli import main
from grader.course import load_assignment
from grader.datasets.registry import get_dataset
from grader.errors import SpecError
from grader.evaluation import evaluation_data, hidden_draw
from grader.pipeline import GradingOptions, plan_submission
from grader.sandbox.staging import stage

HIDDEN_MARK = 7.125  # a value only the hidden split holds, searched for wherever it must not be


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """The assignment folder of a fresh `grader new demo --framework numpy` lab."""
    scaffold(tmp_path / "course", "demo", "numpy")
    return tmp_path / "course" / "assignments" / "demo"


def declare(lab: Path, text: str) -> Path:
    """Append YAML (own_datasets, evaluation) to the lab's assignment.yaml; return that file."""
    path = lab / "assignment.yaml"
    path.write_text(path.read_text() + text)
    return path


def line(path: Path, needle: str) -> int:
    return next(number for number, text in enumerate(path.read_text().splitlines(), start=1) if needle in text)


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def write_image(path: Path, value: int, *, size: tuple[int, int] = (4, 3), mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, (value,) * 3 if mode == "RGB" else value).save(path)


def points_csv(lab: Path) -> None:
    """A two-feature CSV dataset: public train and test inside the lab, hidden outside it."""
    write_csv(lab / "data/points/train.csv", "x1,x2,label", ["0.0,0.1,0", "1.0,0.9,1", "0.2,0.0,0"])
    write_csv(lab / "data/points/test.csv", "x1,x2,label", ["0.1,0.1,0", "0.9,1.0,1"])
    write_csv(lab.parent.parent / "hidden/demo/points.csv", "x1,x2,label",
              [f"{HIDDEN_MARK},0.0,1", "0.0,0.2,0", "1.1,1.0,1", "0.3,0.1,0"])


POINTS = """\
own_datasets:
  points:
    format: csv
    public: {train: data/points/train.csv, test: data/points/test.csv}
    hidden: ../../hidden/demo/points.csv
    label: label
objects:
  predict: predict
evaluation:
  public: {dataset: points, split: test}
  hidden: {dataset: points, split: hidden}
"""


# --- each format read into arrays --------------------------------------------------------------

def test_csv_every_column_but_the_label_is_an_input_and_labels_keep_their_kind(lab):
    points_csv(lab)
    declare(lab, POINTS)
    spec = load_assignment(str(lab)).spec
    x, y = get_dataset("points", spec.own_datasets).split(Path(), "hidden")
    assert x.dtype == np.float64 and x.shape == (4, 2) and x[0, 0] == HIDDEN_MARK
    assert y.tolist() == [1, 0, 1, 0] and y.dtype.kind == "i"


def test_csv_text_labels_stay_text(lab):
    write_csv(lab / "data/names.csv", "a,species,b", ["1,setosa,2", "3,virginica,4.5"])
    declare(lab, "own_datasets:\n  names: {format: csv, public: {train: data/names.csv}, label: species}\n")
    x, y = get_dataset("names", load_assignment(str(lab)).spec.own_datasets).split(Path(), "train")
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.5]] and y.tolist() == ["setosa", "virginica"]


def test_npz_and_npy_hold_x_and_y(lab):
    np.savez(lab / "train.npz", x=np.arange(12.0).reshape(3, 4), y=np.array([0, 1, 0]))
    (lab / "test").mkdir()
    np.save(lab / "test/x.npy", np.ones((2, 4), dtype=np.float32))
    np.save(lab / "test/y.npy", np.array([1, 1]))
    declare(lab, "own_datasets:\n  arrays: {format: npz, public: {train: train.npz}}\n"
                 "  folder: {format: npy, public: {test: test}}\n")
    own = load_assignment(str(lab)).spec.own_datasets
    x, y = get_dataset("arrays", own).split(Path(), "train")
    assert x.shape == (3, 4) and y.tolist() == [0, 1, 0]
    x, y = get_dataset("folder", own).split(Path(), "test")
    assert x.dtype == np.float32 and y.tolist() == [1, 1]


def test_images_in_class_folders_are_numbered_in_sorted_order(lab):
    for cls, value in (("cat", 10), ("ant", 200)):
        for number in range(2):
            write_image(lab / f"data/pics/train/{cls}/{number}.png", value + number)
    (lab / "data/pics/train/.DS_Store").write_text("Finder")  # hidden files are no part of the set
    declare(lab, "own_datasets:\n  pics: {format: images, public: {train: data/pics/train}}\n")
    x, y = get_dataset("pics", load_assignment(str(lab)).spec.own_datasets).split(Path(), "train")
    assert x.shape == (4, 3, 4, 3) and x.dtype == np.uint8  # (n, H, W, RGB)
    assert y.tolist() == [0, 0, 1, 1] and x[0, 0, 0, 0] == 200  # ant (0) before cat (1), like ImageFolder


def test_grayscale_images_listed_in_labels_csv(lab):
    for number in range(3):
        write_image(lab / f"data/gray/{number}.png", 50 * number, mode="L")
    write_csv(lab / "data/gray/labels.csv", "file,label", ["0.png,2", "2.png,1"])
    declare(lab, "own_datasets:\n  gray: {format: images, public: {test: data/gray}}\n")
    x, y = get_dataset("gray", load_assignment(str(lab)).spec.own_datasets).split(Path(), "test")
    assert x.shape == (2, 3, 4) and x[1, 0, 0] == 100 and y.tolist() == [2, 1]


# --- bad declarations: spec errors with file and line ------------------------------------------

def _broken_image(lab: Path) -> None:
    write_image(lab / "data/pics/a/ok.png", 1)
    (lab / "data/pics/b").mkdir(parents=True)
    (lab / "data/pics/b/broken.png").write_text("not a png")


def _mismatched_npz(lab: Path) -> None:
    np.savez(lab / "train.npz", x=np.zeros((5, 2)), y=np.zeros(4))


def _other_classes(lab: Path) -> None:
    write_image(lab / "data/pics/a/1.png", 1)
    write_image(lab / "data/pics/b/1.png", 1)
    write_image(lab.parent.parent / "hidden/pics/a/1.png", 1)
    write_image(lab.parent.parent / "hidden/pics/c/1.png", 1)


def _wider_hidden(lab: Path) -> None:
    points_csv(lab)
    write_csv(lab.parent.parent / "hidden/demo/wide.csv", "x1,x2,x3,label", ["1,2,3,0"])


def _link_to_hidden(lab: Path) -> None:
    points_csv(lab)
    os.symlink(lab.parent.parent / "hidden/demo/points.csv", lab / "data/points/copy.csv")


BAD = {
    "a missing file": (
        lambda lab: None, "points: {format: csv, public: {train: data/none.csv}, label: y}",
        "train: data/none.csv", "own_datasets.points.public.train: ", "data/none.csv does not exist"),
    "inputs and labels that do not pair up": (
        _mismatched_npz, "arrays: {format: npz, public: {train: train.npz}}",
        "train: train.npz", "own_datasets.arrays.public.train: ", "has 5 inputs but 4 labels"),
    "an unknown format": (
        lambda lab: None, "points: {format: parquet, public: {train: x.parquet}}",
        "format: parquet", "own_datasets.points.format: ", "Input should be 'npz', 'npy', 'csv' or 'images'"),
    "a hidden split inside the bundle folder": (
        points_csv, "points: {format: csv, public: {train: data/points/train.csv}, hidden: data/points/test.csv, "
                    "label: label}",
        "hidden: data/points/test.csv", "own_datasets.points.hidden: ", "inside the assignment folder"),
    "a csv without the label column": (
        points_csv, "points: {format: csv, public: {train: data/points/train.csv}, label: species}",
        "train: data/points/train.csv", "own_datasets.points.public.train: ", "has no column 'species' (the declaration's label); "
                                                          "its columns: x1, x2, label"),
    "a csv dataset that names no label column": (
        points_csv, "points: {format: csv, public: {train: data/points/train.csv}}",
        "points:", "own_datasets.points.label: ", "a csv dataset names its label column"),
    "an image that cannot be read": (
        _broken_image, "pics: {format: images, public: {train: data/pics}}",
        "train: data/pics", "own_datasets.pics.public.train: ", "broken.png is not an image Pillow can read"),
    "a public split outside the assignment folder": (
        lambda lab: None, "points: {format: csv, public: {train: ../outside.csv}, label: y}",
        "train: ../outside.csv", "own_datasets.points.public.train: ", "is not inside the assignment folder"),
    "the assignment folder itself as a split": (
        lambda lab: None, "pics: {format: images, public: {train: data/..}}",
        "train: data/..", "own_datasets.pics.public.train: ", "not the folder itself (all of it would be shipped"),
    "a built-in dataset's name": (
        lambda lab: None, "mnist: {format: npz, public: {train: m.npz}}",
        "mnist:", "own_datasets.mnist", "'mnist' is a built-in dataset"),
    "class folders that differ between splits": (
        _other_classes, "pics: {format: images, public: {train: data/pics}, hidden: ../../hidden/pics}",
        "hidden: ../../hidden/pics", "own_datasets.pics.hidden: ", "has the class folders a, c, but the train split a, b"),
    "inputs of another shape in the hidden split": (
        _wider_hidden, "points: {format: csv, public: {train: data/points/train.csv}, "
                       "hidden: ../../hidden/demo/wide.csv, label: label}",
        "hidden: ../../hidden/demo/wide.csv", "own_datasets.points.hidden: ", "each input has shape (3,), but in the train split (2,)"),
    "a public file that links to the hidden split": (
        _link_to_hidden, "points: {format: csv, public: {train: data/points/copy.csv}, "
                         "hidden: ../../hidden/demo/points.csv, label: label}",
        "public:", "own_datasets.points.public: ", "is (a link to) the hidden split"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_declaration_is_a_spec_error_with_file_and_line(lab, case):
    setup, entry, needle, key, says = BAD[case]
    setup(lab)
    block = yaml.safe_dump({"own_datasets": yaml.safe_load(f"{{{entry}}}")}, sort_keys=False)  # a key a line
    path = declare(lab, block)
    with pytest.raises(SpecError) as error:
        load_assignment(str(lab))
    message = str(error.value)
    assert f"{path}:{line(path, needle)}: {key}" in message, message
    assert says in message, message


def test_evaluation_on_a_split_the_dataset_does_not_declare_names_its_line(lab):
    points_csv(lab)
    path = declare(lab, "own_datasets:\n  points: {format: csv, public: {train: data/points/train.csv}, label: label}\n"
                        "evaluation:\n  hidden: {dataset: points, split: hidden}\n  public: {dataset: pointz, split: test}\n")
    with pytest.raises(SpecError) as error:
        load_assignment(str(lab))
    message = str(error.value)
    assert f"{path}:{line(path, 'dataset: pointz')}: evaluation.public.dataset: Value error, unknown dataset 'pointz'" \
        in message, message
    # the undeclared split is reported once the spec validates
    declare(lab, "")
    path.write_text(path.read_text().replace("pointz", "points"))
    with pytest.raises(SpecError) as error:
        load_assignment(str(lab))
    assert f"{path}:{line(path, 'split: hidden')}: evaluation.hidden.split: own dataset 'points' declares no hidden " \
           "split" in str(error.value)


def test_an_own_dataset_listed_with_the_built_in_ones_is_refused(lab):
    points_csv(lab)
    path = declare(lab, "own_datasets:\n  points: {format: csv, public: {train: data/points/train.csv}, label: label}\n")
    path.write_text(path.read_text() + "datasets: [points]\n")
    with pytest.raises(SpecError, match="'points' is one of own_datasets"):
        load_assignment(str(lab))


# --- where the splits go -----------------------------------------------------------------------

def rubric_with_metric_checks(lab: Path) -> None:
    rubric = lab.parent.parent / "rubrics" / "demo.yaml"
    data = yaml.safe_load(rubric.read_text())
    data["checks"] += [
        {"id": "points", "title": "predict(x) on the test points", "kind": "metric", "points": 1,
         "params": {"metric": "accuracy", "threshold": 0.9}},
        {"id": "points-hidden", "title": "predict(x) on the hidden points", "kind": "metric", "points": 1,
         "visibility": "hidden", "params": {"metric": "accuracy", "threshold": 0.9}},
    ]
    rubric.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def points_lab(lab: Path) -> Path:
    points_csv(lab)
    declare(lab, POINTS)
    rubric_with_metric_checks(lab)
    return lab


def test_the_sandbox_gets_the_public_splits_as_real_files_and_never_the_hidden_split(points_lab, tmp_path):
    assignment = load_assignment(str(points_lab))
    notebook = make_notebook(tmp_path / "submission.ipynb", ["print(1)"])
    planned = plan_submission(assignment, notebook, GradingOptions(sandbox=None))  # type: ignore[arg-type]
    root = tmp_path / "sandbox"
    stage(planned.request, root)
    staged = {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}
    assert {"work/data/points/train.csv", "work/data/points/test.csv"} <= staged
    for name in ("train", "test"):
        copy = root / f"work/data/points/{name}.csv"
        assert not copy.is_symlink() and copy.read_bytes() == (points_lab / f"data/points/{name}.csv").read_bytes()
    # the hidden split's inputs travel only as the evaluation file for the predict probe, never its labels
    assert not any("points.csv" in name or "hidden/" in name for name in staged)
    assert planned.request.job.eval_inputs == ["eval/hidden.npy", "eval/public.npy"]
    hidden_inputs = np.load(root / "eval/hidden.npy")
    assert hidden_inputs[0, 0] == HIDDEN_MARK and hidden_inputs.shape == (4, 2)
    assert planned.host.labels["hidden"].tolist() == [1, 0, 1, 0]
    again = plan_submission(assignment, notebook, GradingOptions(sandbox=None))  # type: ignore[arg-type]
    train = "work/data/points/train.csv"
    assert again.request.files[train] is planned.request.files[train]  # a class's jobs share one copy
    csv_text = (points_lab.parent.parent / "hidden/demo/points.csv").read_bytes()
    assert all(path.read_bytes() != csv_text for path in root.rglob("*") if path.is_file())


def test_a_self_check_plans_only_the_public_split(points_lab, tmp_path):
    assignment = load_assignment(str(points_lab))
    notebook = make_notebook(tmp_path / "submission.ipynb", ["print(1)"])
    planned = plan_submission(assignment, notebook, GradingOptions(sandbox=None, public_only=True))  # type: ignore[arg-type]
    assert planned.request.job.eval_inputs == ["eval/public.npy"] and set(planned.host.labels) == {"public"}


def test_the_hidden_split_is_fixed_so_every_draw_is_it(points_lab):
    spec = load_assignment(str(points_lab)).spec
    files, labels = evaluation_data(spec, {"hidden"})
    drawn = hidden_draw(spec, {"hidden"}, seed=12345)
    assert drawn["hidden"][0] == files["eval/hidden.npy"] and drawn["hidden"][1].tolist() == labels["hidden"].tolist()


def test_the_bundle_ships_the_public_splits_and_neither_the_hidden_split_nor_its_path(points_lab, tmp_path):
    course = points_lab.parent.parent
    (points_lab / "starter.ipynb").write_text((course / "assignments/demo/master.ipynb").read_text())
    result = CliRunner().invoke(main, ["release", "demo", "--course", str(course), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "out" / "demo"
    shipped = {path.relative_to(bundle).as_posix() for path in bundle.rglob("*") if path.is_file()}
    assert {"data/points/train.csv", "data/points/test.csv"} <= shipped
    spec_text = (bundle / "assignment.yaml").read_text()
    assert "hidden" not in spec_text and "points.csv" not in spec_text
    hidden_bytes = (course / "hidden/demo/points.csv").read_bytes()
    assert all(path.read_bytes() != hidden_bytes and str(HIDDEN_MARK).encode() not in path.read_bytes()
               for path in bundle.rglob("*") if path.is_file())
    # the bundle loads on its own (a student's `grader check`): the public splits where they were declared
    own = load_assignment(str(bundle)).spec.own_datasets
    assert own["points"].splits() == {"train": "data/points/train.csv", "test": "data/points/test.csv"}
    x, _ = get_dataset("points", own).split(Path(), "test")
    assert x.shape == (2, 2)


def test_a_split_read_is_reused_until_its_file_changes(points_lab):
    spec = load_assignment(str(points_lab)).spec
    dataset = get_dataset("points", spec.own_datasets)
    first, _ = dataset.split(Path(), "train")
    assert dataset.split(Path(), "train")[0] is first and not first.flags.writeable
    path = points_lab / "data/points/train.csv"
    path.write_text(path.read_text() + "5.0,5.0,1\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert dataset.split(Path(), "train")[0].shape == (4, 2)


def test_csv_rows_that_do_not_fit_name_their_line(lab):
    write_csv(lab / "data/t.csv", "a,label", ["1,0", "", "x,1"])
    declare(lab, "own_datasets:\n  t: {format: csv, public: {train: data/t.csv}, label: label}\n")
    with pytest.raises(SpecError, match=r"t\.csv, line 4, column 'a': 'x' is not a number"):
        load_assignment(str(lab))
    (lab / "data/t.csv").write_text("a,label\n1,0\n2\n")
    with pytest.raises(SpecError, match=r"t\.csv, line 3: 1 fields, but the header has 2"):
        load_assignment(str(lab))
