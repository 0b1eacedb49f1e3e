"""Check kinds by name. Adding a kind: a module with a CheckKind subclass, listed here."""

from __future__ import annotations

from grader.checks.architecture import Architecture
from grader.checks.artifact import Artifact
from grader.checks.base import CheckKind, Evidence, Outcome
from grader.checks.dataset_stats import DatasetStats
from grader.checks.detections import Detections
from grader.checks.executes import Executes
from grader.checks.function import Function
from grader.checks.gradcheck import Gradcheck
from grader.checks.manual import Manual
from grader.checks.metric import Metric
from grader.checks.output import Output
from grader.checks.reloaded import Reloaded
from grader.checks.results_table import Table
from grader.checks.samples import Samples
from grader.checks.transforms import Transforms
from grader.checks.variable import Variable

KINDS: dict[str, CheckKind] = {kind.name: kind for kind in
                               (Executes(), Function(), Variable(), Metric(), Output(), Artifact(), Manual(),
                                Architecture(), Gradcheck(), Table(), Detections(), Transforms(), DatasetStats(),
                                Reloaded(), Samples())}

__all__ = ["KINDS", "CheckKind", "Evidence", "Outcome"]
