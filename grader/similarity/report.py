"""The similarity report as one self-contained page (inline CSS and SVG, no scripts): the
distribution of pair scores with the threshold, the pairs worth a look, and their matched code
side by side."""

from __future__ import annotations

from dataclasses import dataclass

from grader.report import plots
from grader.report.classreport import SIMILARITY_PAGE
from grader.report.jinja import environment
from grader.similarity.analysis import DETAILED_AT_LEAST, Pair, SimilarityReport
from grader.similarity.fingerprints import WINDOW, K
from grader.similarity.pairs import Region

PAGE = SIMILARITY_PAGE  # under --out, and beside the class report's index.html
LISTED_AT_MOST = 200
BINS = [step / 20 for step in range(21)]


@dataclass(frozen=True)
class Side:
    """One side of a matched region as the page shows it."""

    cell: int          # the student's own count: 1-based among all cells
    first_line: int
    lines: list[str]


def render_similarity_report(report: SimilarityReport, *, title: str) -> str:
    names = {student.id: student.name for student in report.students}
    sources = {student.id: {cell.index: cell.source for cell in student.cells} for student in report.students}
    listed = [pair for rank, pair in enumerate(report.pairs)
              if rank < DETAILED_AT_LEAST or pair.flagged(report.threshold)][:LISTED_AT_MOST]
    detailed = [(pair, [(_side(sources[pair.a], region, "a"), _side(sources[pair.b], region, "b"), region)
                        for region in pair.regions]) for pair in listed if pair.regions]
    return environment().get_template("similarity.html.j2").render(
        title=title, report=report, names=names, listed=listed, unlisted=len(report.pairs) - len(listed),
        detailed=detailed, anchors={(pair.a, pair.b): f"pair-{number}" for number, (pair, _) in enumerate(detailed, 1)},
        flagged_by_code=sum(pair.score >= report.threshold for pair in report.pairs),
        flagged_by_behaviour=sum(_behaviour_flagged(pair) for pair in report.pairs), k=K, window=WINDOW,
        histogram=plots.histogram([pair.score for pair in report.pairs], bins=BINS, xlabel="code score of a pair",
                                  ylabel="pairs (log scale)", mark=report.threshold, log=True)
        if report.pairs else None)


def _behaviour_flagged(pair: Pair) -> bool:
    return pair.behaviour is not None and pair.behaviour.flagged


def _side(cells: dict[int, str], region: Region, which: str) -> Side:
    cell, (first, last) = (region.a_cell, region.a_lines) if which == "a" else (region.b_cell, region.b_lines)
    lines = cells.get(cell, "").splitlines()
    return Side(cell=cell + 1, first_line=first, lines=lines[first - 1:last])
