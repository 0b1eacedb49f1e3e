"""The class report: one self-contained page (inline CSS and SVG, and a few lines of inline script
that sort the matrix; nothing fetched, so it works offline) with the score distribution, pass rate
per check, runtime and memory per submission, status counts, a student × check matrix, and a
table linking every student's instructor page: their feedback with hidden checks shown in full.

A submission's runtime is its own work (timings.total: planning, the sandbox run, scoring); the
time it waited for a worker in a batch is timings.queued, shown beside it, never added to it."""

from __future__ import annotations

import statistics
from dataclasses import replace
from pathlib import Path

from grader.course import LoadedAssignment
from grader.filenames import safe_file_name
from grader.gradebook.records import ClassEntry
from grader.i18n import N_, Language, Text, language
from grader.report import plots
from grader.report.feedback import render_feedback
from grader.report.jinja import environment
from grader.report.matrix import Matrix, check_matrix
from grader.report.words import CHECK_STATUS, GRADE_STATUS, rendered
from grader.results import CheckStatus, Status, write_atomically

FEEDBACK_DIR = "feedback"
SIMILARITY_PAGE = "similarity.html"  # `grader similarity`'s page (docs/similarity.md)
STATUS_COLOURS = {"graded": "#1a7f37", "ungradable": "#9a6700", "timeout": "#bc4c00", "crashed": "#cf222e",
                  "error": "#59636e", "needs-review": "#8250df"}


def write_class_report(entries: list[ClassEntry], assignment: LoadedAssignment, out: Path, *, lang: str = "en",
                       similarity_page: str | None = None) -> Path:
    """index.html plus feedback/<student>.html for each student, all in `lang`; returns index.html.
    A student's page here is the instructor's view (hidden checks in full); what students get is
    the feedback.html beside their grade. `similarity_page`: the similarity report the gradebook
    keeps, written beside index.html; index.html links a similarity.html that is there."""
    if similarity_page is not None:
        write_atomically(out / SIMILARITY_PAGE, similarity_page)
    linked = []
    for entry in entries:
        relative = f"{FEEDBACK_DIR}/{safe_file_name(entry.student.id)}.html"
        write_atomically(out / relative, render_feedback(entry.result, assignment.spec, student_view=False,
                                                         instructor=True, lang=lang))
        linked.append(replace(entry, feedback=relative))
    index = out / "index.html"
    similarity = SIMILARITY_PAGE if (out / SIMILARITY_PAGE).is_file() else None
    write_atomically(index, render_class_report(linked, assignment, lang=lang, similarity=similarity))
    return index


def render_class_report(entries: list[ClassEntry], assignment: LoadedAssignment, *, lang: str = "en",
                        similarity: str | None = None) -> str:
    """The page alone; each entry's `feedback` is the link its row gets (none when unset);
    `similarity`, the similarity report's link (none when unset)."""
    speaks = language(lang)
    percents = [entry.percent for entry in entries]
    matrix = check_matrix(entries, assignment.rubric, speaks)
    return environment(lang).get_template("class_report.html.j2").render(
        lang=lang, assignment=assignment, entries=entries, matrix=matrix, similarity=similarity,
        check_status=rendered(CHECK_STATUS, speaks), grade_status=rendered(GRADE_STATUS, speaks),
        summary={"students": len(entries),
                 "mean": statistics.fmean(percents) if percents else 0.0,
                 "median": statistics.median(percents) if percents else 0.0,
                 "pass_rate": 100 * sum(e.result.passed for e in entries) / len(entries) if entries else 0.0,
                 "needs_review": sum(e.result.status is Status.NEEDS_REVIEW for e in entries)},
        charts=_charts(entries, assignment, matrix, speaks))


def _charts(entries: list[ClassEntry], assignment: LoadedAssignment, matrix: Matrix, speaks: Language) -> list[dict]:
    """The charts in page order; `wide` ones (a bar per student) span the page's width."""
    def say(text: Text) -> str:
        return text.render(speaks)

    names = [entry.student.name for entry in entries]
    check_labels = [N_("{title} (hidden)", title=c.title).render(speaks) if c.hidden else c.title
                    for c in matrix.columns]
    charts: list[dict] = [
        {"id": "plot-scores", "title": say(N_("Score distribution")),
         "svg": plots.histogram([e.percent for e in entries], bins=range(0, 101, 10),
                                xlabel=say(N_("score, percent of maximum")), ylabel=say(N_("students")))},
        {"id": "plot-checks", "title": say(N_("Pass rate per check")),
         "svg": plots.bars(check_labels, _check_pass_rates(entries, assignment),
                           value_label=say(N_("percent of students who passed")), horizontal=True, value_max=100)},
        {"id": "plot-runtime", "title": say(N_("Runtime per submission")), "wide": True,
         "svg": plots.bars(names, [e.result.timings.get("total", 0.0) for e in entries],
                           value_label=say(N_("seconds")))},
    ]
    memory = [e.result.peak_memory_mb for e in entries]
    charts.append({"id": "plot-memory", "title": say(N_("Peak memory per submission")),
                   "empty": say(N_("No memory measurements were recorded.")), "wide": True,
                   "svg": plots.bars(names, [m or 0.0 for m in memory], value_label=say(N_("MiB")))
                   if any(m is not None for m in memory) else None})
    counts = {status.value: sum(e.result.status is status for e in entries) for status in Status}
    statuses = rendered(GRADE_STATUS, speaks)
    charts.append({"id": "plot-status", "title": say(N_("Submissions by status")),
                   "svg": plots.bars([statuses[s] for s in counts], list(counts.values()),
                                     value_label=say(N_("students")), horizontal=True,
                                     colours=[STATUS_COLOURS[s] for s in counts])})
    return charts


def _check_pass_rates(entries: list[ClassEntry], assignment: LoadedAssignment) -> list[float]:
    """Percent of students whose check passed; a student without that check counts as not passing."""
    rates = []
    for check in assignment.rubric.checks:
        passed = sum(any(c.id == check.id and c.status is CheckStatus.PASSED for c in e.result.checks) for e in entries)
        rates.append(100 * passed / len(entries) if entries else 0.0)
    return rates
