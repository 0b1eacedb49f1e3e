"""The class report from a class graded for real: self-contained, in English or Russian, and in
a real headless Chromium its plots are drawn and every feedback link opens."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from class_support import grade_class
from grader.errors import UsageError
from grader.report.classreport import render_class_report, write_class_report

pytestmark = pytest.mark.slow  # every test reads a class graded in real kernels; two open Chromium

CHART_IDS = ["plot-scores", "plot-checks", "plot-runtime", "plot-memory", "plot-status"]


@pytest.fixture(scope="session")
def entries(toy, local_sandbox, tmp_path_factory):
    return grade_class(toy, local_sandbox, tmp_path_factory.mktemp("class"))


@pytest.fixture(scope="module", params=["en", "ru"])
def report(request, entries, toy, tmp_path_factory) -> Path:
    return write_class_report(entries, toy, tmp_path_factory.mktemp(f"report-{request.param}"), lang=request.param)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []      # the students table's feedback links
        self.others: list[str] = []     # any other link (the matrix's names)
        self.svgs = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "a":
            attrs = dict(attrs)
            (self.hrefs if attrs.get("class") == "feedback" else self.others).append(attrs["href"])
        self.svgs += tag == "svg"


def parse(page: str) -> Links:
    links = Links()
    links.feed(page)
    return links


def test_report_is_self_contained_with_every_chart(report):
    page = report.read_text()
    assert "<style>" in page and page.count("<script") == 1 and "<script>" in page, "one inline script: the sorting"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert all(f'id="{chart}"' in page for chart in CHART_IDS)
    assert parse(page).svgs == len(CHART_IDS)


def test_every_student_has_a_row_and_a_feedback_page(report, entries):
    page = report.read_text()
    lang = re.search(r'<html lang="(\w+)">', page).group(1)
    links = parse(page)
    hrefs = links.hrefs
    assert len(hrefs) == len(set(hrefs)) == len(entries)
    assert sorted(h for h in links.others if h.startswith("feedback/")) == sorted(hrefs), \
        "the matrix's names link the same pages"
    for href in hrefs:
        target = report.parent / href
        assert not Path(href).is_absolute() and target.is_file(), href
        assert f'<html lang="{lang}">' in target.read_text(), "feedback pages are in the report's language"
    assert all(entry.student.name in page for entry in entries)


def test_russian_report_has_no_english_interface_words(entries, toy):
    page = render_class_report(entries, toy, lang="ru")
    assert '<html lang="ru">' in page and "Распределение баллов" in page
    for english in ("Score distribution", "Pass rate per check", "Runtime per submission", "Peak memory per submission",
                    "Submissions by status", "Students", "Feedback"):
        assert english not in page


def test_memory_chart_says_when_nothing_was_measured(entries, toy):
    unmeasured = [replace(e, result=replace(e.result, peak_memory_mb=None)) for e in entries]
    page = render_class_report(unmeasured, toy)
    assert "No memory measurements were recorded." in page and parse(page).svgs == len(CHART_IDS) - 1


def test_an_unknown_language_is_a_usage_error(entries, toy):
    with pytest.raises(UsageError, match="available: en, ru"):
        render_class_report(entries, toy, lang="fr")


# Measures the page from inside Chromium and writes what it saw into the DOM for --dump-dom.
PROBE = """<script>
addEventListener('load', () => {
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : null;
    return {id: f.id, width: box ? box.width : 0, height: box ? box.height : 0,
            x: box ? box.left + scrollX : 0, y: box ? box.top + scrollY : 0,
            shapes: svg ? svg.querySelectorAll('path, rect, use').length : 0};
  });
  const links = [...document.querySelectorAll('a.feedback')].map(a => {
    const request = new XMLHttpRequest();
    try { request.open('GET', a.href, false); request.send(); }
    catch (error) { return {href: a.href, ok: false}; }
    return {href: a.href, ok: request.responseText.includes('id="score"')};
  });
  const out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({charts, links}); document.body.appendChild(out);
});
</script>"""

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--allow-file-access-from-files", "--hide-scrollbars"]


@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed (CI installs it)")
def test_report_renders_in_chromium_with_visible_plots_and_working_links(report, entries, tmp_path):
    probed = report.with_name("probed.html")
    probed.write_text(report.read_text().replace("</body>", PROBE + "</body>"))
    flags = [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2400"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    seen = json.loads(found.group(1).replace("&quot;", '"'))
    assert [chart["id"] for chart in seen["charts"]] == CHART_IDS
    for chart in seen["charts"]:
        assert chart["width"] > 200 and chart["height"] > 100 and chart["shapes"] > 5, chart
    assert len(seen["links"]) == len(entries) and all(link["ok"] for link in seen["links"]), seen["links"]

    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120)
    from matplotlib.image import imread

    pixels = imread(str(shot))[..., :3]
    scores = next(chart for chart in seen["charts"] if chart["id"] == "plot-scores")
    x, y, w, h = (int(scores[key]) for key in ("x", "y", "width", "height"))
    plot = pixels[y:y + h, x:x + w]
    blue = (abs(plot - [0x09 / 255, 0x69 / 255, 0xDA / 255]).max(axis=-1) < 0.05).mean()
    assert blue > 0.02, "the histogram's bars are painted where the page says the plot is"
