"""The host's view of the names a notebook defined (the `names` probe's result, untrusted: names
that are no identifiers are dropped, class names shortened), and the closest of them to a name a
check looks up, in words a student reads: "`my_predict` (a function)"."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from grader.contract import ContractError, DefinedName, NamesRequest, NamesResult
from grader.contract.results import NAME_KINDS
from grader.i18n import N_, Param, Text
from grader.observations import Observations

NAMES_PROBE = NamesRequest(id="__names__")
MAX_NAME_CHARS = 100
CLOSEST = 3

# what a check uses a name as (ProbeRequest.looks_up) -> the kinds of value that could stand in
STAND_INS = {"callable": ("function",), "model": ("model",), "class": ("class",), "table": ("table",)}
FRAMEWORKS = {"pytorch": "PyTorch", "keras": "Keras"}
USES = {"callable": N_("a function"), "model": N_("a model"), "class": N_("a class"), "table": N_("a pandas DataFrame")}


@dataclass(frozen=True)
class Namespace:
    """The names the notebook defined, by name."""

    defined: dict[str, DefinedName]
    truncated: bool = False  # the kernel listed only the first names: absence proves nothing

    @classmethod
    def of(cls, observations: Observations) -> Namespace | None:
        """The names probe's answer; None when it was not asked or did not answer (the run
        stopped early, an older stored run), so that triage is left out rather than guessed."""
        if NAMES_PROBE.id not in observations.probes:
            return None
        try:
            result = observations.result(NAMES_PROBE.id, NamesResult)
        except ContractError:
            return None
        if not result.ok:
            return None
        return cls({entry.name: entry for entry in result.defined
                    if entry.name.isidentifier() and len(entry.name) <= MAX_NAME_CHARS and entry.kind in NAME_KINDS},
                   result.truncated)

    def __contains__(self, name: str) -> bool:
        return name in self.defined

    def stand_ins(self, uses: set[str]) -> list[DefinedName]:
        """The names that could stand in for a name used as one of `uses` (STAND_INS)."""
        kinds = {kind for use in uses for kind in STAND_INS.get(use, ())}
        return [entry for entry in self.defined.values() if entry.kind in kinds]

    def closest(self, name: str, use: str | None = None) -> list[DefinedName]:
        """Up to three names like `name`, by spelling first, then those of the kind `use` wants
        (a function for a callable, a model for a model), most alike first."""
        spelled = difflib.get_close_matches(name, list(self.defined), n=CLOSEST, cutoff=0.6)
        kinds = STAND_INS.get(use or "", ())
        same_kind = sorted((other for other, entry in self.defined.items() if entry.kind in kinds),
                           key=lambda other: -difflib.SequenceMatcher(None, name, other).ratio())
        picked = list(dict.fromkeys([*spelled, *same_kind]))[:CLOSEST]
        return [self.defined[other] for other in picked]

    def missing_text(self, name: str, use: str | None = None) -> Text:
        """"'name' is not defined in the notebook; closest: ..." said once."""
        found = self.closest(name, use)
        if not found:
            return N_("'{name}' is not defined in the notebook", name=name)
        return N_("'{name}' is not defined in the notebook; closest: {closest}", name=name, closest=listed(found))


def listed(entries: list[DefinedName]) -> list[Param]:
    """"`a` (a function), `b` (a PyTorch model (VGG))"."""
    return [N_("`{name}` ({what})", name=entry.name, what=what(entry)) for entry in entries]


def what(entry: DefinedName) -> Text:
    """What a defined name holds, in words: "a function", "a PyTorch model (VGG)", "a Keras model (Sequential)"."""
    framework = FRAMEWORKS.get(entry.framework or "")
    short = entry.type.rsplit(".", 1)[-1][:60] or "unknown"
    if entry.kind == "model":
        return (N_("a {framework} model ({type})", framework=framework, type=short) if framework
                else N_("a model ({type})", type=short))
    if entry.kind == "layer":
        return (N_("a {framework} layer ({type})", framework=framework, type=short) if framework
                else N_("a layer ({type})", type=short))
    if entry.kind == "class":
        return N_("a {framework} model class", framework=framework) if framework else N_("a class")
    if entry.kind == "tensor":
        return N_("a {framework} tensor", framework=framework) if framework else N_("a tensor")
    known = {"function": N_("a function"), "array": N_("a numpy array"), "table": N_("a pandas DataFrame")}
    return known.get(entry.kind, N_("a value of type {type}", type=short))
