"""Grading many notebooks in one run: find them, give each a unique id, never stop for one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from grader.pipeline import GradingRun, grade_notebook
from grader.results import GradeResult
from grader.sandbox import Sandbox
from grader.spec.course import LoadedAssignment


def collect_submissions(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their .ipynb files (recursively, sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)
    return found


def submission_ids(notebooks: list[Path]) -> list[str]:
    """File stems, made safe as folder names and unique (a clash gets the parent folder's name)."""
    ids: list[str] = []
    for notebook in notebooks:
        base = _safe(notebook.stem)
        candidate = base if base not in ids else _safe(f"{notebook.parent.name}-{notebook.stem}")
        suffix = 2
        while candidate in ids:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        ids.append(candidate)
    return ids


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
    return cleaned[:100]


def grade_paths(assignment: LoadedAssignment, paths: list[Path], *, sandbox: Sandbox, out: Path,
                progress: Callable[[GradeResult], None] | None = None) -> list[GradeResult]:
    notebooks = collect_submissions(paths)
    results = []
    for notebook, submission_id in zip(notebooks, submission_ids(notebooks)):
        run = GradingRun(sandbox=sandbox, out_dir=out / submission_id)
        result = grade_notebook(assignment, notebook, run, submission_id=submission_id)
        results.append(result)
        if progress:
            progress(result)
    return results
