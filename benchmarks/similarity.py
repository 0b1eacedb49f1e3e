"""`grader similarity` over a large class: wall time and the command's peak memory.

    .venv/bin/python benchmarks/similarity.py [--assignment mnist-mlp] [--sizes 50,100,200]

Each submission is the assignment's reference disguised the way students disguise a copy, each
differently: identifiers renamed, comments dropped, some cells moved, hyperparameters changed, and
one or two helper cells of its own. So every pair shares much of its code: the worst case for the
pair scores and for the regions computed. `grader similarity` runs as a user runs it, in a
subprocess; its memory is the resident size of that process, sampled every 20 ms. Prints a
Markdown table with the machine's load average for docs/similarity.md.
"""

from __future__ import annotations

import argparse
import io
import json
import keyword
import os
import platform
import random
import statistics
import sys
import tempfile
import tokenize
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell
from peak_memory import run_sampled

from grader.course import load_assignment

KEPT = {"MLP", "HIDDEN_SIZES", "model", "predict", "test_accuracy", "EPOCHS", "BATCH_SIZE", "x_train", "y_train",
        "x_test", "y_test", "to_tensor", "self", "super", "range", "len", "print", "float", "int", "list"}
HELPERS = [
    "def count_parameters(net):\n    return sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
    "print(count_parameters(model))",
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(4, 3))\nplt.imshow(x_train[{n}], cmap='gray')\n"
    "plt.title(str(y_train[{n}]))",
    "errors = [(i, p) for i, p in enumerate(predict(x_test[:500])) if p != y_test[i]]\nprint(len(errors), errors[:{n}])",
    "from collections import Counter\nprint(Counter(y_train.tolist()).most_common({n}))",
    "def accuracy_of(images, labels):\n    return float((predict(images) == labels).mean())\n"
    "print('first {n}:', accuracy_of(x_test[:{n}], y_test[:{n}]))",
]


def disguise(source: str, rng: random.Random, number: int) -> str:
    """The cell with its own names renamed (consistently within the notebook) and comments gone."""
    out = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                continue
            if (token.type == tokenize.NAME and not keyword.iskeyword(token.string) and token.string not in KEPT
                    and token.string.islower() and rng.random() < 0.9):
                token = token._replace(string=f"{token.string}_{number}")
            out.append(token)
        return tokenize.untokenize(out)
    except (tokenize.TokenError, IndentationError):
        return source


def make_class(reference: Path, folder: Path, count: int, seed: int = 0) -> Path:
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    for number in range(count):
        notebook = nbformat.read(str(reference), as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                cell.source = disguise(cell.source, rng, number).replace("1e-3", f"{rng.choice([1, 2, 5])}e-3")
        for helper in rng.sample(HELPERS, rng.randint(1, 2)):
            notebook.cells.insert(rng.randint(3, len(notebook.cells)), new_code_cell(helper.format(n=number % 50 + 1)))
        if rng.random() < 0.5:  # the saving cell moved before the evaluation
            notebook.cells.insert(10, notebook.cells.pop(12))
        nbformat.write(notebook, str(folder / f"student{number:03d}.ipynb"))
    return folder


def run(assignment: str, inbox: Path, out: Path) -> tuple[float, float, list[float]]:
    """(wall seconds, peak resident MB, every pair's score) of one `grader similarity --json` run."""
    command = [sys.executable, "-m", "grader", "similarity", assignment, str(inbox), "--out", str(out), "--json"]
    with tempfile.TemporaryFile() as stdout:
        seconds, peak_mb, status = run_sampled(command, stdout=stdout)
        if status != 0:
            raise SystemExit(f"grader similarity exited {status}")
        stdout.seek(0)
        scores = [pair["score"] for pair in json.loads(stdout.read())["pairs"]]
    return seconds, peak_mb, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="mnist-mlp")
    parser.add_argument("--sizes", default="50,100,200")
    args = parser.parse_args()
    reference = load_assignment(args.assignment).reference
    assert reference is not None, f"{args.assignment} has no reference solution"
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            inbox = make_class(reference, Path(scratch) / f"inbox{size}", size)
            load = os.getloadavg()[0]
            seconds, peak, scores = run(args.assignment, inbox, Path(scratch) / f"out{size}")
            rows.append((size, len(scores), statistics.median(scores), seconds, peak, load))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"assignment: {args.assignment} (disguised copies of the reference)\n")
    print("| submissions | pairs | median pair score | wall s | peak RSS MB | load average (1 min) before |")
    print("|---|---|---|---|---|---|")
    for size, pairs, median, seconds, peak, load in rows:
        print(f"| {size} | {pairs} | {median:.2f} | {seconds:.1f} | {peak:.0f} | {load:.2f} |")


if __name__ == "__main__":
    main()
