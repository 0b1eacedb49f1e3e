"""`grader export gradescope`: the autograder zip Gradescope builds its image from.

Gradescope unzips it to /autograder/source, runs setup.sh once on its Ubuntu image, then runs
run_autograder per submission with the upload in /autograder/submission and reads
/autograder/results/results.json. The zip carries this grader's own source (installed by pip,
like an sdist) and the course files of one assignment, never its reference solutions.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from grader.course import LoadedAssignment
from grader.errors import UsageError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXTRAS = {"pytorch": ["torch"], "keras": ["tf"], "tensorflow": ["tf"]}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image (Ubuntu 22.04: the grader needs
# Python 3.11, which is python3.11 there, not the default python3).
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 python3.11-venv
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install "/autograder/source/grader-src{extras}"{requirements}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission. AUTOGRADER_ROOT and GRADER_PYTHON exist for testing.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{GRADER_PYTHON:-$ROOT/venv/bin/python}}"
export GRADER_DATA_DIR="${{GRADER_DATA_DIR:-$ROOT/datasets}}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m grader.exports.autograder --course "$ROOT/source/course" --assignment {assignment} \\
    --submission "$ROOT/submission" --results "$ROOT/results/results.json"
"""


def build_autograder_zip(assignment: LoadedAssignment, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    extras = EXTRAS.get(assignment.spec.framework, [])
    requirements = "".join(f' "{r}"' for r in assignment.spec.requirements)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP_SH.format(extras=f"[{','.join(extras)}]" if extras else "",
                                                       requirements=requirements), executable=True)
        _add_text(archive, "run_autograder", RUN_AUTOGRADER.format(assignment=assignment.id), executable=True)
        for path in _project_files():
            archive.write(path, f"grader-src/{path.relative_to(PROJECT_ROOT).as_posix()}")
        for path in sorted(p for p in assignment.directory.rglob("*") if p.is_file()):
            relative = path.relative_to(assignment.directory).as_posix()
            archive.write(path, f"course/assignments/{assignment.id}/{relative}")
        archive.write(_course_rubric(assignment), f"course/rubrics/{assignment.id}.yaml")
    return out


def _course_rubric(assignment: LoadedAssignment) -> Path:
    """The full rubric, hidden checks included: a student bundle's public rubric is not enough."""
    rubric = assignment.directory.parent.parent / "rubrics" / f"{assignment.id}.yaml"
    if not rubric.is_file():
        raise UsageError(f"no course rubric at {rubric}: export gradescope from the course, not a student bundle")
    return rubric


def _project_files() -> list[Path]:
    """What pip needs to install the grader: pyproject, README and the package, no caches."""
    package = [p for p in (PROJECT_ROOT / "grader").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return [PROJECT_ROOT / "pyproject.toml", PROJECT_ROOT / "README.md", *sorted(package)]


def _add_text(archive: zipfile.ZipFile, name: str, text: str, *, executable: bool) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)
