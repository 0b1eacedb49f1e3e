"""The predictions grading already recorded, read back on the host for behavioural similarity.

Nothing new runs in a sandbox: a `metric` check asks the student's predict callable for
predictions on the evaluation inputs, and the gradebook keeps the observations each result was
scored from (`results.observations`), predictions included. Here they are decoded as the check
decoded them (`prepare_predictions`), and the labels come from the host's dataset cache, as when
the check scored them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.checks.base import probe_id
from grader.checks.metric import PREDICTIONS, MetricParams
from grader.contract import ContractError, PredictResult
from grader.course import LoadedAssignment
from grader.evaluation import evaluation_data
from grader.gradebook.store import Gradebook
from grader.metrics import CLASSIFICATION, BadPredictions, prepare_predictions
from grader.observations import Observations
from grader.spec.rubric import Check


@dataclass(frozen=True)
class RecordedPredictions:
    check: str                                      # the metric check they were recorded for
    split: str                                      # its evaluation split
    labels: np.ndarray
    by_student: dict[str, tuple[str, np.ndarray]]   # student id -> (sha256 of what was graded, class labels)


def behaviour_check(assignment: LoadedAssignment) -> Check | None:
    """The metric check whose predictions are compared: a classification metric (a wrong answer
    is a label), on the hidden split when one is."""
    candidates = [check for check in assignment.rubric.checks if check.kind == "metric"
                  and isinstance(params := assignment.params.get(check.id), MetricParams)
                  and params.reported is None and params.metric in CLASSIFICATION]
    return min(candidates, key=lambda check: assignment.params[check.id].split_for(check.visibility) != "hidden",
               default=None)


def recorded_predictions(book: Gradebook, assignment: LoadedAssignment,
                         cache: Path | None = None) -> RecordedPredictions | None:
    """Each student's predictions from their current submission's newest result; None when the
    assignment has no classification metric check. Students whose run recorded none (it crashed,
    predict failed) are left out."""
    check = behaviour_check(assignment)
    if check is None:
        return None
    params = assignment.params[check.id]
    split = params.split_for(check.visibility)
    _, labels_by_split = evaluation_data(assignment.spec, {split}, cache)
    labels = labels_by_split[split]
    by_student: dict[str, tuple[str, np.ndarray]] = {}
    for stored in book.latest_submissions(assignment.id):
        found = book.stored_result(stored.id)
        if found is None or found.observations is None:
            continue
        try:
            result = Observations.parse(found.observations).result(probe_id(check.id, PREDICTIONS), PredictResult)
            if result.ok:
                by_student[stored.student.id] = (stored.sha256, prepare_predictions(params.metric, labels,
                                                                                    result.value))
        except (ValueError, ContractError, BadPredictions):
            continue  # malformed or unscorable: the check itself failed for this student
    return RecordedPredictions(check=check.id, split=split, labels=labels, by_student=by_student)
