"""A class's similarity report: code fingerprints with the starter's removed, every pair scored,
the matched regions of the pairs worth a look, and beside each pair the behavioural comparison
of the predictions grading recorded (when there are any)."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.similarity import DEFAULT_THRESHOLD
from grader.similarity.behaviour import Behaviour, compare_predictions
from grader.similarity.fingerprints import WINDOW, Fingerprints, K, all_hashes, fingerprint
from grader.similarity.pairs import Region, matched_regions, score_pairs
from grader.similarity.predictions import RecordedPredictions
from grader.similarity.sources import ClassCode
from grader.similarity.tokens import CodeCell, notebook_tokens

DETAILED_AT_LEAST = 10  # pairs whose regions are computed even below the threshold
DETAILED_AT_MOST = 50


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    score: float                   # shared fingerprints over the smaller side's (pairs.py)
    shared: int
    behaviour: Behaviour | None    # None: no recorded predictions for one of the two
    regions: list[Region] = field(default_factory=list)

    def flagged(self, threshold: float) -> bool:
        return self.score >= threshold or (self.behaviour is not None and self.behaviour.flagged)

    def to_json(self) -> dict:
        return {"a": self.a, "b": self.b, "score": round(self.score, 4), "shared": self.shared,
                "behaviour": self.behaviour.to_json() if self.behaviour is not None else None,
                "regions": [region.to_json() for region in self.regions]}


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    fingerprints: int      # compared, after the starter's were removed
    cells: list[CodeCell]  # kept for the report's side-by-side view


@dataclass
class SimilarityReport:
    assignment: str
    threshold: float
    students: list[Student]
    pairs: list[Pair]                          # every pair, best code score first
    skipped: list[tuple[str, str]]
    behaviour_check: str | None = None         # the metric check whose predictions were compared

    @property
    def flagged(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.flagged(self.threshold)]

    def to_json(self) -> dict:
        return {"assignment": self.assignment, "threshold": self.threshold, "k": K, "window": WINDOW,
                "behaviour_check": self.behaviour_check,
                "submissions": [{"id": s.id, "name": s.name, "fingerprints": s.fingerprints} for s in self.students],
                "skipped": [{"submission": who, "reason": why} for who, why in self.skipped],
                "pairs": [pair.to_json() for pair in self.pairs]}


def analyse(code: ClassCode, starter: list[CodeCell], *, assignment: str, threshold: float = DEFAULT_THRESHOLD,
            predictions: RecordedPredictions | None = None) -> SimilarityReport:
    """Score every pair of the class; regions for the pairs above the threshold or flagged by
    behaviour (at least the top DETAILED_AT_LEAST, at most DETAILED_AT_MOST)."""
    ignored = all_hashes(notebook_tokens(starter))
    prints: list[Fingerprints] = [fingerprint(notebook_tokens(s.cells)).without(ignored) for s in code.submissions]
    ids = [submission.id for submission in code.submissions]
    behaviours = _behaviours(code, predictions)
    pairs = []
    for scored in score_pairs([p.distinct for p in prints]):
        a, b = ids[scored.a], ids[scored.b]
        pairs.append(Pair(a, b, scored.score, scored.shared, behaviours.get((a, b)) or behaviours.get((b, a))))
    index = {identifier: number for number, identifier in enumerate(ids)}
    detailed = [pair for rank, pair in enumerate(pairs) if _detailed(rank, pair, threshold)]
    for pair in detailed[:DETAILED_AT_MOST]:
        pair.regions.extend(matched_regions(prints[index[pair.a]], prints[index[pair.b]]))
    students = [Student(s.id, s.name, len(p.distinct), s.cells) for s, p in zip(code.submissions, prints)]
    return SimilarityReport(assignment=assignment, threshold=threshold, students=students, pairs=pairs,
                            skipped=list(code.skipped), behaviour_check=predictions.check if predictions else None)


def _detailed(rank: int, pair: Pair, threshold: float) -> bool:
    return pair.shared > 0 and (rank < DETAILED_AT_LEAST or pair.flagged(threshold))


def _behaviours(code: ClassCode, predictions: RecordedPredictions | None) -> dict[tuple[str, str], Behaviour]:
    """Behaviour for pairs of students whose recorded predictions are from the very notebook compared."""
    if predictions is None:
        return {}
    usable = {s.id: predictions.by_student[s.id][1] for s in code.submissions
              if s.id in predictions.by_student and predictions.by_student[s.id][0] == s.sha256}
    return compare_predictions(predictions.labels, usable)
