"""Whether a submission was made from another lab's starter, found on the host before any sandbox.

A starter `grader release` ships is stamped with its lab (metadata.grader.assignment); a starter
taken from the course repository is not, so a notebook is also compared with every lab's starter
in the course: the share of a starter's cells (its instructions and scaffold, whitespace aside)
that the notebook still has. One that keeps most of another lab's starter, and clearly more of it
than of its own lab's, is ungradable for this lab (exit 3) and the message names the lab it is for.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.course import ASSIGNMENT_FILE, LoadedAssignment
from grader.harness.notebook import assignment_of
from grader.i18n import N_, Text
from grader.spec.assignment import Assignment
from grader.spec.yamlfile import load_yaml_with_lines

SHARED = 0.6        # the share of a starter's cells a notebook keeps to count as made from it
MARGIN = 0.2        # ... and by this much more than of its own lab's starter
SHORTEST = 24       # characters: shorter cells ("import numpy as np", "# your code") are in every lab


def another_labs_starter(notebook: NotebookNode, assignment: LoadedAssignment) -> Text | None:
    """Why `notebook` belongs to another lab than `assignment`, or None when nothing says so."""
    stamped = assignment_of(notebook)
    if stamped and stamped != assignment.id:
        return N_("this notebook was made from the starter of '{lab}', not '{assignment}'", lab=stamped,
                  assignment=assignment.id)
    cells = fingerprint(notebook)
    if not cells:
        return None
    own = kept(_starter(assignment.directory / assignment.spec.starter), cells)
    labs = assignment.directory.parent
    if labs.name != "assignments":  # a student's bundle: no other labs beside it
        return None
    shares = {lab: kept(starter, cells) for lab, starter in _starters(labs).items() if lab != assignment.id}
    lab, share = max(shares.items(), key=lambda item: item[1], default=(None, 0.0))
    if lab is None or share < SHARED or share < own + MARGIN:
        return None
    return N_("this notebook was made from the starter of '{lab}' ({share:.0%} of that starter's cells are in it), "
              "not '{assignment}': check that you submitted the right file", lab=lab, share=share,
              assignment=assignment.id)


def fingerprint(notebook: NotebookNode) -> frozenset[str]:
    """The notebook's cells that say something lab-specific, whitespace normalised."""
    normalised = (" ".join(str(cell.source).split()) for cell in notebook.cells)
    return frozenset(text for text in normalised if len(text) >= SHORTEST)


def kept(starter: frozenset[str], cells: frozenset[str]) -> float:
    """The share of the starter's cells that are among `cells`."""
    return len(starter & cells) / len(starter) if starter else 0.0


@lru_cache(maxsize=8)
def _starters(labs: Path) -> dict[str, frozenset[str]]:
    """Each lab's starter in a course's assignments folder, by lab id (read once per process)."""
    found = {}
    for spec in sorted(labs.glob(f"*/{ASSIGNMENT_FILE}")):
        try:
            data, _ = load_yaml_with_lines(spec)
            name = data.get("starter") if isinstance(data, dict) else None
        except Exception:  # another lab's broken assignment.yaml is that lab's problem, reported when it is used
            continue
        found[spec.parent.name] = _starter(spec.parent / (name if isinstance(name, str) else _DEFAULT_STARTER))
    return found


_DEFAULT_STARTER = Assignment.model_fields["starter"].default


@lru_cache(maxsize=64)
def _starter(path: Path) -> frozenset[str]:
    try:
        return fingerprint(nbformat.read(str(path), as_version=4))
    except Exception:  # no starter, or not a notebook: nothing to compare with
        return frozenset()
