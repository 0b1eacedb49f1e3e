"""`grader new`: a lab that builds and validates out of the box, for the author to grow: a master
source with one worked item (`relu(x)`, checked on public and hidden cases), assignment.yaml, a
rubric, a student README and one known-wrong patch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.authoring.master import DEFAULT_KERNELSPEC
from grader.authoring.patches import PATCHES_FILE
from grader.errors import UsageError
from grader.spec.assignment import IDENTIFIER, Assignment
from grader.spec.validation import validate_model


@dataclass(frozen=True)
class Framework:
    """What the worked item looks like in one framework: its import and relu's solution line."""

    imports: str
    relu: str
    memory: str


FRAMEWORKS = {
    "numpy": Framework("import numpy as np", "return np.maximum(np.asarray(x, dtype=float), 0.0)", "1GiB"),
    "pytorch": Framework("import numpy as np\nimport torch",
                         "return torch.relu(torch.as_tensor(x, dtype=torch.float64)).numpy()", "4GiB"),
    "keras": Framework("import keras\nimport numpy as np",
                       "return keras.ops.convert_to_numpy(keras.ops.relu(np.asarray(x, dtype=float)))", "6GiB"),
    "tensorflow": Framework("import numpy as np\nimport tensorflow as tf",
                            "return tf.nn.relu(tf.constant(x, dtype=tf.float64)).numpy()", "6GiB"),
    "any": Framework("import numpy as np", "return np.maximum(np.asarray(x, dtype=float), 0.0)", "2GiB"),
}
WRONG_RELU = "return np.abs(np.asarray(x, dtype=float))"


def scaffold(course: Path, lab: str, framework: str) -> list[Path]:
    """Write the new lab's sources into the course; return the files written. Refuses to overwrite."""
    if not re.match(IDENTIFIER, lab):
        raise UsageError(f"lab id {lab!r}: lowercase letters, digits, '-' and '_', starting with a letter or digit")
    chosen = FRAMEWORKS[framework]
    folder = course / "assignments" / lab
    rubric = course / "rubrics" / f"{lab}.yaml"
    if folder.exists() or rubric.exists():
        raise UsageError(f"{folder if folder.exists() else rubric} already exists: pick another id")
    spec = {"id": lab, "title": f"{lab}: a first lab", "framework": framework, "starter": "starter.ipynb",
            "readme": "README.md", "limits": {"cell_timeout": 60, "total_timeout": 180, "probe_timeout": 60},
            "resources": {"memory": chosen.memory, "cpus": 1}}
    validate_model(Assignment, spec, path=folder / "assignment.yaml", lines={})
    files = {
        folder / "assignment.yaml": _yaml(spec),
        rubric: _yaml(_rubric(lab)),
        folder / "master.ipynb": _master(lab, chosen),
        folder / PATCHES_FILE: _yaml(_known_wrong(chosen)),
        folder / "README.md": README.format(lab=lab),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def _master(lab: str, framework: Framework) -> str:
    cells = [
        new_markdown_cell(f"# {lab}\n\nImplement every function below; README.md says what each must do.",
                          id="intro"),
        new_code_cell("SEED = 0  # a parameter the grader may set (assignment.yaml: parameters)",
                      metadata={"tags": ["parameters"]}, id="parameters"),
        new_code_cell(framework.imports, id="imports"),
        new_markdown_cell("## 1. ReLU\n\n`relu(x)` is `max(x, 0)`, element-wise: a number gives a number, "
                          "an array an array of the same shape.", id="relu-md"),
        new_code_cell('def relu(x):\n    """max(x, 0), element-wise."""\n    ### BEGIN SOLUTION\n'
                      f"    {framework.relu}\n    ### END SOLUTION\n\n\nprint(relu([-2.0, 0.5, 3.0]))", id="relu"),
    ]
    notebook = new_notebook(cells=cells, metadata={"kernelspec": DEFAULT_KERNELSPEC,
                                                   "language_info": {"name": "python"}})
    return nbformat.writes(notebook) + "\n"


def _rubric(lab: str) -> dict:
    return {"assignment": lab, "version": 1, "pass_mark": 0.6, "checks": [
        {"id": "runs", "title": "The notebook runs from top to bottom", "kind": "executes", "points": 1},
        {"id": "relu", "title": "relu(x) is max(x, 0) for numbers and arrays", "kind": "function", "points": 2,
         "params": {"name": "relu", "cases": [{"args": [1.5], "expected": 1.5}, {"args": [-2.0], "expected": 0.0},
                                              {"args": [{"array": [-1.0, 0.0, 2.0]}], "expected": [0.0, 0.0, 2.0]}]},
         "messages": {"fail": "relu(x) must return max(x, 0) element-wise: negative inputs become 0."}},
        {"id": "relu-hidden", "title": "relu(x) on further inputs", "kind": "function", "points": 1,
         "visibility": "hidden",
         "params": {"name": "relu", "cases": [{"args": [{"array": [[-3.0, 4.0], [0.25, -0.5]]}],
                                               "expected": [[0.0, 4.0], [0.25, 0.0]]}]}},
    ]}


def _known_wrong(framework: Framework) -> dict:
    return {"known_wrong": {"relu_absolute": {
        "why": "abs(x) instead of max(x, 0): negative inputs come out positive",
        "loses": ["relu", "relu-hidden"],
        "patches": [{"cell": "relu", "replace": framework.relu, "with": WRONG_RELU}]}}}


class _Dumper(yaml.SafeDumper):
    """Lists of plain values on one line (`loses: [relu, relu-hidden]`), everything else in blocks."""


_Dumper.add_representer(list, lambda dumper, items: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", items, flow_style=not any(isinstance(item, (dict, list)) for item in items)))


def _yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


README = """\
# {lab}

Open `starter.ipynb`, fill in every `# YOUR CODE HERE`, run it from top to bottom and save it.

1. `relu(x)`: `max(x, 0)` element-wise. A number gives a number, a list or numpy array an array of
   the same shape.

Check your notebook before you hand it in (public checks only):

    grader check . starter.ipynb
"""
