"""The class report for 40 students from synthetic results (no kernels): the student × check
matrix, whole check labels, per-student charts whose labels never overlap, runtime without queue
time, and the instructor's per-student page (hidden checks in full) beside the student's own page
(unchanged). The layout is measured in a real headless Chromium."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.gradebook.records import ClassEntry, Student
from grader.i18n import ENGLISH
from grader.report.classreport import render_class_report, write_class_report
from grader.report.feedback import render_feedback
from grader.report.matrix import NOT_RUN, check_matrix
from grader.results import CheckResult, CheckStatus, GradeResult, Status

PUBLIC_TITLE = "Accuracy of the classifier on the evaluation split, public part"
HIDDEN_TITLE = "Accuracy of the classifier on the evaluation split, held-out part"
SECRET = "expected at least 0.9 on the held-out split, found 0.61"
STUDENTS = 40


@pytest.fixture(scope="module")
def course(toy):
    """toy with two accuracy checks whose titles differ only after 50 characters (a 30-character
    cut made them read the same)."""
    checks = [check.model_copy(update={"title": {"public-accuracy": PUBLIC_TITLE, "hidden-accuracy": HIDDEN_TITLE}
                                       .get(check.id, check.title)}) for check in toy.rubric.checks]
    return dataclasses.replace(toy, rubric=toy.rubric.model_copy(update={"checks": checks}))


def result_for(number: int, course) -> GradeResult:  # noqa: ANN001 - LoadedAssignment
    """Student `number`'s result: a spread of statuses per check; every 10th ungradable."""
    checks = []
    for index, check in enumerate(course.rubric.checks):
        if check.kind == "manual":
            status, points = CheckStatus.PENDING, 0.0
        else:
            status = [CheckStatus.PASSED, CheckStatus.PARTIAL, CheckStatus.FAILED][(number + index) % 3]
            points = {CheckStatus.PASSED: check.points, CheckStatus.PARTIAL: check.points / 2}.get(status, 0.0)
        hidden = check.id == "hidden-accuracy"
        checks.append(CheckResult(id=check.id, title=str(check.title), kind=check.kind, visibility=check.visibility,
                                  points=points, max_points=check.points, status=status,
                                  message="Your classifier does not generalise well enough." if hidden else "ok",
                                  observed=SECRET if hidden else None))
    status = Status.UNGRADABLE if number % 10 == 9 else Status.GRADED
    return GradeResult(submission_id=f"s{number:02d}", assignment="toy", rubric_version=course.rubric.version,
                       status=status, score=sum(c.points for c in checks), max_score=course.rubric.max_points,
                       pass_mark=0.5, checks=checks, peak_memory_mb=100.0 + number,
                       timings={"total": 3.8 + number % 3 / 10, "queued": 2.0 * number})


@pytest.fixture(scope="module")
def entries(course) -> list[ClassEntry]:
    return [ClassEntry(student=Student(f"{1000 + n}", f"Student Number {n:02d} Surname"), submission_id=f"s{n:02d}",
                       result=result_for(n, course)) for n in range(STUDENTS)]


class Cells(HTMLParser):
    """The matrix's header ids and each row's cell classes and texts."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[tuple[str, str]]] = []
        self._in_matrix = self._cell = False
        self._text = ""
        self._class = ""

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        attrs = dict(attrs)
        if tag == "table":
            self._in_matrix = attrs.get("id") == "matrix"
        if not self._in_matrix:
            return
        if tag == "th" and "data-check" in attrs:
            self.headers.append(attrs["data-check"])
        if tag == "tr" and self.headers:
            self.rows.append([])
        if tag == "td":
            self._cell, self._text, self._class = True, "", attrs.get("class") or ""

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "table":
            self._in_matrix = False
        if tag == "td" and self._cell:
            self.rows[-1].append((self._class, self._text.strip()))
            self._cell = False

    def handle_data(self, data):  # noqa: ANN001
        if self._cell:
            self._text += data


def test_the_matrix_has_a_row_per_student_and_a_column_per_check_hidden_included(entries, course):
    parser = Cells()
    parser.feed(render_class_report(entries, course))
    assert parser.headers == [check.id for check in course.rubric.checks] and "hidden-accuracy" in parser.headers
    assert len(parser.rows) == STUDENTS
    hidden = parser.headers.index("hidden-accuracy") + 2  # after the student and the score
    first = parser.rows[0]
    assert first[hidden] == ("cell partial", "◐ 1.5"), first  # student 0, check 7: (0 + 7) % 3 -> partial
    statuses = {cls.split()[-1] for row in parser.rows for cls, _ in row[2:]}
    assert statuses == {"passed", "partial", "failed", "pending", NOT_RUN}
    ungradable = parser.rows[9]
    assert all(cls == f"cell {NOT_RUN}" and text == "—" for cls, text in ungradable[2:]), ungradable


def test_a_check_the_result_does_not_hold_is_not_run(entries, course):
    older = dataclasses.replace(entries[0].result, checks=entries[0].result.checks[:-1])
    matrix = check_matrix([dataclasses.replace(entries[0], result=older)], course.rubric, ENGLISH)
    assert matrix.rows[0].cells[-1].status == NOT_RUN and matrix.rows[0].cells[-1].points is None
    assert matrix.rows[0].cells[0].status != NOT_RUN


def test_check_labels_are_whole_so_public_and_hidden_differ(entries, course):
    page = render_class_report(entries, course)
    chart = page[page.index('id="plot-checks"'):page.index('id="plot-runtime"')]
    texts = " ".join(re.sub(r"<[^>]+>", "\n", chart).split())
    assert "…" not in chart
    assert "public part" in texts and "held-out part (hidden)" in texts


def test_runtime_is_the_work_and_the_queue_is_its_own_column(entries, course):
    page = render_class_report(entries, course)
    rows = re.findall(r"<tr[^>]*>\s*<td>(Student Number 39 Surname)</td>(.*?)</tr>", page, re.S)
    numbers = re.findall(r'<td class="number">([^<]*)</td>', rows[0][1])
    assert numbers[1:3] == ["3.8", "78.0"], numbers  # runtime 3.8 s, queued 78 s: never 81.8


def test_the_instructor_page_shows_hidden_checks_and_the_students_does_not(entries, course, tmp_path):
    result = entries[0].result
    student = render_feedback(result, course.spec, student_view=False)
    assert SECRET not in student and HIDDEN_TITLE not in student and "Hidden check 8" in student
    index = write_class_report(entries[:3], course, tmp_path)
    instructor = (index.parent / "feedback" / f"{entries[0].student.id}.html").read_text()
    assert SECRET in instructor and HIDDEN_TITLE in instructor
    assert "generalise well enough" in instructor and "students see only its result and points" in instructor
    assert f'href="feedback/{entries[0].student.id}.html"' in index.read_text()


def test_the_page_loads_nothing_and_its_only_script_is_inline(entries, course):
    page = render_class_report(entries, course)
    assert page.count("<script>") == 1 and "<script src" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


# Measures the report inside Chromium: the bounding boxes of every chart's tick labels, then the
# matrix's order after clicking the header of the hidden check's column, once and twice.
PROBE = """<script>
addEventListener('load', () => {
  const boxes = id => [...document.querySelectorAll(`#${id} svg g[id^="xtick_"] text, #${id} svg g[id^="ytick_"] text`)]
    .map(t => { const b = t.getBoundingClientRect();
                return {text: t.textContent, axis: t.closest('g[id^="xtick_"]') ? 'x' : 'y',
                        left: b.left, right: b.right, top: b.top, bottom: b.bottom}; });
  const charts = Object.fromEntries(['plot-checks', 'plot-runtime', 'plot-memory'].map(id => [id, boxes(id)]));
  const order = () => [...document.querySelectorAll('#matrix tbody tr')].map(r => r.cells[0].textContent.trim());
  const column = [...document.querySelectorAll('#matrix th')].findIndex(th => th.dataset.check === 'hidden-accuracy');
  const header = document.querySelectorAll('#matrix th')[column];
  const before = order();
  header.querySelector('button').click();
  const ascending = [...document.querySelectorAll('#matrix tbody tr')].map(r => Number(r.cells[column].dataset.sort));
  const sortState = header.getAttribute('aria-sort');
  header.querySelector('button').click();
  const descending = [...document.querySelectorAll('#matrix tbody tr')].map(r => Number(r.cells[column].dataset.sort));
  const out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({charts, before, ascending, descending, sortState,
                                    reversed: header.getAttribute('aria-sort')});
  document.body.appendChild(out);
});
</script>"""

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for index, a in enumerate(labels):
        for b in labels[index + 1:]:
            if a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5 and a["top"] < b["bottom"] - 0.5 \
                    and b["top"] < a["bottom"] - 0.5:
                pairs.append((a["text"], b["text"]))
    return pairs


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed (CI installs it)")
def test_in_chromium_no_label_overlaps_and_the_matrix_sorts(entries, course, tmp_path: Path):
    page = tmp_path / "report.html"
    page.write_text(render_class_report(entries, course).replace("</body>", PROBE + "</body>"))
    flags = [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,4000"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    seen = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    for chart in ("plot-runtime", "plot-memory"):
        names = [label for label in seen["charts"][chart] if label["axis"] == "x"]
        assert len(names) == STUDENTS, f"{chart}: every student is named ({len(names)} labels)"
        assert not overlapping(names), f"{chart}: overlapping labels {overlapping(names)[:3]}"
    checks = [label for label in seen["charts"]["plot-checks"] if label["axis"] == "y"]
    assert not overlapping(checks), overlapping(checks)
    assert len(checks) >= len(course.rubric.checks), "each check's label is drawn (a wrapped one as several lines)"
    assert seen["before"] == [entry.student.name for entry in entries]
    assert seen["sortState"] == "ascending" and seen["ascending"] == sorted(seen["ascending"])
    assert seen["reversed"] == "descending" and seen["descending"] == sorted(seen["descending"], reverse=True)
    assert seen["ascending"] != [float(cell) for cell in seen["ascending"][::-1]], "the column has different values"
