"""Triage, before the checks are judged: does the notebook define the names the checks look up,
and are its models of the lab's framework? When it is not, one message says so and the grade
needs review by hand (status `needs-review`), instead of a column of NameErrors or probes run on
a model with another framework's input.

- A notebook that defines none of the names the checks look up (neither in its namespace nor in
  a cell that failed), but something that could stand in for one (a function where a check calls
  one, a model or model class where it probes a model, a DataFrame where it reads a table), is
  not based on the starter: its checks that look up names are not run. One that defines some of
  the names, or nothing that could stand in (an unfinished notebook), is graded as usual; each
  missing name is reported once, with the closest names it defines (grader.checks.namespace).
- A model (or model class) a check probes that is of another framework than the assignment's
  `framework:` (a Keras model in a PyTorch lab, or the reverse): the checks that would probe it
  are not run.

Pure: it reads the names probe (`Namespace`), the cell records and the planned requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.checks import KINDS
from grader.checks.namespace import FRAMEWORKS, USES, Namespace, listed, what
from grader.contract import DefinedName
from grader.i18n import N_, Text, join
from grader.observations import Observations
from grader.spec.assignment import Assignment
from grader.spec.rubric import Check

FAMILY = {"pytorch": "pytorch", "keras": "keras", "tensorflow": "keras"}  # TensorFlow labs grade Keras models
NONE_DEFINED = N_("the notebook defines none of the names this lab's checks look up, so this grade needs review "
                  "by hand")


@dataclass(frozen=True)
class Triage:
    review: Text | None = None                              # why a person must look; None: grade as usual
    not_run: dict[str, Text] = field(default_factory=dict)  # check id -> why it was not run


def looked_up(check: Check, params: Any, assignment: Assignment,
              renamed: Mapping[str, str] | None = None) -> dict[str, str]:
    """The names a check's probes look up in the notebook, each with what it is used as, after
    the instructor's per-student renames."""
    names: dict[str, str] = {}
    for request in KINDS[check.kind].probes(check, params, assignment):
        names.update(request.renamed(renamed or {}).names())
    return names


def triage(checks: Sequence[Check], params: Mapping[str, Any], assignment: Assignment, observations: Observations,
           names: Namespace | None, renamed: Mapping[str, str] | None = None) -> Triage:
    """The verdict for a notebook that ran to the end; no verdict without the names probe."""
    if names is None:
        return Triage()
    looked = {check.id: looked_up(check, params[check.id], assignment, renamed) for check in checks}
    mismatch = framework_mismatch(assignment.framework, looked, names)
    if mismatch.review:
        return mismatch
    wanted = _in_order(looked, assignment, renamed or {})
    if not wanted or names.truncated or any(name in names or observations.execution.defining(name)
                                            for name in wanted):
        return Triage()
    if not names.stand_ins(set(wanted.values())):  # nothing a person could map: an unfinished notebook
        return Triage()
    return Triage(none_defined_message(wanted, names),
                  {check_id: NONE_DEFINED for check_id, uses in looked.items() if uses})


def framework_mismatch(framework: str, looked: Mapping[str, Mapping[str, str]], names: Namespace) -> Triage:
    """A model or model class the checks probe that is of another framework than the lab's."""
    lab = FAMILY.get(framework)
    if lab is None:  # numpy or any: no framework to hold it to
        return Triage()
    wrong: dict[str, DefinedName] = {}
    not_run: dict[str, Text] = {}
    for check_id, uses in looked.items():
        probed = {name: entry for name, use in uses.items() if use in ("model", "class")
                  and (entry := names.defined.get(name)) is not None and entry.framework not in (None, lab)}
        if probed:
            wrong.update(probed)
            not_run[check_id] = N_("{names} is not a {framework} model (this grade needs review by hand)",
                                   names=", ".join(f"`{name}`" for name in probed), framework=FRAMEWORKS[lab])
    if not wrong:
        return Triage()
    theirs = join([N_("`{name}` is {what}", name=name, what=what(entry)) for name, entry in wrong.items()], ", ")
    review = N_("this lab grades a {framework} model; the notebook's {theirs}. The checks that probe it were not "
                "run, so this grade needs review by hand", framework=FRAMEWORKS[lab], theirs=theirs)
    return Triage(review, not_run)


def none_defined_message(wanted: Mapping[str, str], names: Namespace) -> Text:
    """One message: the names expected, and for each the closest the notebook defines."""
    expected = [N_("`{name}` ({use})", name=name, use=USES[use]) if use in USES else f"`{name}`"
                for name, use in wanted.items()]
    candidates = {name: names.closest(name, use) for name, use in wanted.items()}
    closest = [N_("for `{name}`: {found}", name=name, found=listed(found)) for name, found in candidates.items()
               if found]
    found = N_("closest names it defines: {closest}", closest=join(closest)) if closest else N_(
        "it defines no names like them")
    return N_("needs review: the notebook defines none of the names this lab's checks look up: {expected}; {found}. "
              "The checks that use them were not run; an instructor can map a name to the notebook's own with "
              "`grader grade ... --object NAME=NOTEBOOK_NAME` (docs/cli.md)", expected=expected, found=found)


def _in_order(looked: Mapping[str, Mapping[str, str]], assignment: Assignment,
              renamed: Mapping[str, str]) -> dict[str, str]:
    """Every name looked up, once: the assignment's `objects:` first, then in the rubric's order."""
    every = {name: use for uses in looked.values() for name, use in uses.items()}
    roles = [renamed.get(name, name) for name in assignment.objects.values()]
    return {**{name: every[name] for name in roles if name in every}, **every}
