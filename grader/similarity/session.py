"""`grader similarity` as a library call: read the class (paths or the gradebook), take the
recorded predictions from the gradebook, analyse, write similarity.html, keep the report in the
gradebook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.course import LoadedAssignment
from grader.errors import UsageError
from grader.gradebook.store import Gradebook
from grader.intake.roster import load_roster
from grader.results import write_atomically
from grader.similarity import DEFAULT_THRESHOLD
from grader.similarity.analysis import SimilarityReport, analyse
from grader.similarity.predictions import recorded_predictions
from grader.similarity.report import PAGE, render_similarity_report
from grader.similarity.sources import ClassCode, code_cells, from_gradebook, from_paths
from grader.similarity.tokens import CodeCell


@dataclass(frozen=True)
class SimilarityOptions:
    assignment: LoadedAssignment
    paths: list[Path]
    out: Path
    gradebook: Path | None = None
    roster: Path | None = None
    threshold: float = DEFAULT_THRESHOLD


def compare_class(options: SimilarityOptions) -> tuple[SimilarityReport, Path]:
    """The report and the page written for it (OUT/similarity.html)."""
    loaded = options.assignment
    if not options.paths and options.gradebook is None:
        raise UsageError("give the submissions (notebooks, folders, zip exports) or --gradebook to read them from")
    book = Gradebook.open(options.gradebook) if options.gradebook is not None else None
    try:
        code = _class_code(options, book)
        predictions = recorded_predictions(book, loaded) if book is not None else None
        report = analyse(code, starter_cells(loaded), assignment=loaded.id, threshold=options.threshold,
                         predictions=predictions)
        html = render_similarity_report(report, title=loaded.spec.title)
        page = options.out / PAGE
        write_atomically(page, html)
        if book is not None:
            book.record_similarity(loaded.id, report.to_json(), html)
    finally:
        if book is not None:
            book.close()
    return report, page


def _class_code(options: SimilarityOptions, book: Gradebook | None) -> ClassCode:
    if options.paths:
        roster = load_roster(options.roster) if options.roster else None
        return from_paths(options.paths, roster)
    assert book is not None
    code = from_gradebook(book, options.assignment.id)
    if not code.submissions and not code.skipped:
        raise UsageError(f"the gradebook {options.gradebook} holds no submissions for {options.assignment.id}")
    return code


def starter_cells(loaded: LoadedAssignment) -> list[CodeCell]:
    """The code cells of the assignment's starter notebook, whose code nobody is scored for."""
    path = loaded.directory / loaded.spec.starter
    try:
        return code_cells(path.read_bytes())
    except OSError:
        return []  # an assignment without a starter: every student wrote everything
    except ValueError as exc:
        raise UsageError(f"the starter notebook {path} cannot be read: {exc}") from None
