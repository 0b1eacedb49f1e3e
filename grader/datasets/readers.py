"""An author's dataset files read into (inputs, labels) arrays: one reader per `own_datasets`
format (docs/formats.md). Whatever cannot be read is an `UnreadableSplit` that names the file and
says what was expected, for the spec error the author sees."""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INPUTS, LABELS = "x", "y"        # npz keys; npy file stems
IMAGE_LABELS_FILE = "labels.csv"  # an images folder without class sub-folders: columns file, label


class UnreadableSplit(ValueError):
    """A split's files are missing, malformed or inconsistent: the message says which and why."""


@dataclass(frozen=True)
class Split:
    """One split as the host reads it. `classes` are an images split's class folders, in the order
    that numbers them (None for other formats or a labels.csv)."""

    inputs: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...] | None = None


def split_files(fmt: str, path: Path) -> list[Path]:
    """The files a split consists of (shipped in the bundle, staged into the sandbox): the file
    itself, or every file below its folder except hidden ones (names starting with '.')."""
    if fmt == "npy":
        return [path / f"{INPUTS}.npy", path / f"{LABELS}.npy"]
    if not path.is_dir():
        return [path]
    return sorted(file for file in path.rglob("*") if file.is_file()
                  and not any(part.startswith(".") for part in file.relative_to(path).parts))


def read_split(fmt: str, path: Path, label: str | None = None) -> Split:
    """The split at `path` in format `fmt` ("npz", "npy", "csv" or "images")."""
    wants_folder = fmt in ("npy", "images")
    if not path.exists():
        raise UnreadableSplit(f"{path} does not exist")
    if path.is_dir() != wants_folder:
        raise UnreadableSplit(f"{path} is {'a folder' if path.is_dir() else 'a file'}; a {fmt} split is "
                              + ("a folder" if wants_folder else "one file"))
    if fmt == "npz":
        split = _npz(path)
    elif fmt == "npy":
        split = Split(_npy(path / f"{INPUTS}.npy"), _npy(path / f"{LABELS}.npy"))
    elif fmt == "csv":
        assert label is not None, "a csv dataset's declaration names its label column"
        split = _csv(path, label)
    else:
        split = _images(path)
    if len(split.inputs) != len(split.labels):
        raise UnreadableSplit(f"{path} has {len(split.inputs)} inputs but {len(split.labels)} labels: "
                              "each input needs one label")
    if len(split.inputs) == 0:
        raise UnreadableSplit(f"{path} holds no samples")
    return split


def _npz(path: Path) -> Split:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [name.removesuffix(".npy") for name in archive.namelist()]
        if INPUTS in names and LABELS in names:
            with np.load(path, allow_pickle=False) as arrays:
                return Split(arrays[INPUTS], arrays[LABELS])
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise UnreadableSplit(f"{path} is not an .npz archive of plain arrays np.load can read: {exc}") from None
    raise UnreadableSplit(f"{path} has the arrays {', '.join(names) or 'none'}; expected '{INPUTS}' (inputs) and "
                          f"'{LABELS}' (labels), as np.savez(path, {INPUTS}=..., {LABELS}=...) writes them")


def _npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise UnreadableSplit(f"{path} does not exist: an npy split is a folder holding {INPUTS}.npy (inputs) "
                              f"and {LABELS}.npy (labels)")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UnreadableSplit(f"{path} is not a .npy array of plain values np.load can read: {exc}") from None


def _csv(path: Path, label: str) -> Split:
    """Every column but `label` is a numeric input; labels are integers, numbers or text, whichever
    all of them are."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableSplit(f"{path} cannot be read as UTF-8 CSV: {exc}") from None
    if not rows:
        raise UnreadableSplit(f"{path} is empty; expected a header row naming the columns")
    header = rows[0]
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if row]  # blank lines skipped
    if label not in header:
        raise UnreadableSplit(f"{path} has no column {label!r} (the declaration's label); its columns: "
                              f"{', '.join(header)}")
    if len(header) < 2:
        raise UnreadableSplit(f"{path} has only the label column; the other columns are the inputs")
    at = header.index(label)
    columns = [index for index in range(len(header)) if index != at]
    inputs = np.empty((len(body), len(columns)), dtype=np.float64)
    for row_index, (number, row) in enumerate(body):
        if len(row) != len(header):
            raise UnreadableSplit(f"{path}, line {number}: {len(row)} fields, but the header has {len(header)}")
        for column, index in enumerate(columns):
            try:
                inputs[row_index, column] = float(row[index])
            except ValueError:
                raise UnreadableSplit(f"{path}, line {number}, column {header[index]!r}: {row[index]!r} is not "
                                      "a number (every column but the label is a numeric input)") from None
    return Split(inputs, parse_labels([row[at] for _, row in body]))


def parse_labels(cells: list[str]) -> np.ndarray:
    """Integers if every cell is one, else numbers if every cell is one, else the text."""
    for kind in (int, float):
        try:
            return np.array([kind(cell) for cell in cells])
        except ValueError:
            continue
    return np.array(cells)


def _images(folder: Path) -> Split:
    """Images in one sub-folder per class (numbered in sorted order, as torchvision's ImageFolder and
    Keras's image_dataset_from_directory number them), or listed with their labels in labels.csv."""
    listing = folder / IMAGE_LABELS_FILE
    if listing.is_file():
        files, labels, classes = _listed_images(listing)
    else:
        files, labels, classes = _class_folders(folder)
    return Split(_stacked([_image(file) for file in files], files), labels, classes)


def _listed_images(listing: Path) -> tuple[list[Path], np.ndarray, None]:
    try:
        with listing.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableSplit(f"{listing} cannot be read as UTF-8 CSV: {exc}") from None
    if not rows or not {"file", "label"} <= set(rows[0]):
        raise UnreadableSplit(f"{listing} needs the columns 'file' (an image's path in this folder) and 'label', "
                              "and a row per image")
    return [listing.parent / row["file"] for row in rows], parse_labels([row["label"] for row in rows]), None


def _class_folders(folder: Path) -> tuple[list[Path], np.ndarray, tuple[str, ...]]:
    visible = sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))
    loose = [entry.name for entry in visible if not entry.is_dir()]
    if loose:
        raise UnreadableSplit(f"{folder} holds {loose[0]} beside its class folders: put each image in the folder "
                              f"of its class, or list every image with its label in {IMAGE_LABELS_FILE}")
    classes = tuple(entry.name for entry in visible)
    if not classes:
        raise UnreadableSplit(f"{folder} has no class folders: put each image in a folder named after its class")
    files, labels = [], []
    for index, name in enumerate(classes):
        members = split_files("images", folder / name)
        files += members
        labels += [index] * len(members)
    return files, np.array(labels, dtype=np.int64), classes


def _image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError  # pillow comes with matplotlib, a grader dependency

    try:
        with Image.open(path) as image:
            image.load()
            return np.asarray(image if image.mode == "L" else image.convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise UnreadableSplit(f"{path} is not an image Pillow can read: {exc}") from None


def _stacked(images: list[np.ndarray], files: list[Path]) -> np.ndarray:
    """(n, H, W) when every image is grayscale, else (n, H, W, 3) RGB; every image the same size."""
    if any(image.ndim == 3 for image in images):
        images = [np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image for image in images]
    for image, file in zip(images, files):
        if image.shape != images[0].shape:
            raise UnreadableSplit(f"{file} is {image.shape[1]}x{image.shape[0]} but {files[0]} is "
                                  f"{images[0].shape[1]}x{images[0].shape[0]}: every image of a dataset has one size")
    return np.stack(images) if images else np.empty((0,), dtype=np.uint8)
