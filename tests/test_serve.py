"""`grader serve`: the manual-points page. The answer beside each manual check (found by its
heading, rendered without letting the student's HTML through), the form's validation (the same as
`grader manual set`), the per-run token, the host check, and the whole round trip in a real
headless Chromium driven over the DevTools protocol: open the page, enter points, submit, and the
gradebook has them; a bad value shows an error and writes nothing."""

from __future__ import annotations

import dataclasses
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.gradebook.records import Student
from grader.gradebook.store import Gradebook
from grader.serve.answers import NotebookCell, answer, section_under
from grader.serve.server import course_assignments, make_server
from grader.serve.site import ManualPointsSite, review_path

ANNA = Student("1001", "Anna Archer", login="aarcher", email="anna@example.org")
BORIS = Student("1002", "Boris Brown", login="bbrown")
HOSTILE = "<script>document.title='owned'</script><img src=x onerror=\"document.title='owned'\">"


def notebook_bytes(discussion: str) -> bytes:
    notebook = new_notebook(cells=[
        new_markdown_cell("# Toy lab"),
        new_code_cell("import numpy as np\nx = 1 < 2"),
        new_markdown_cell("## Written discussion\n\nMy model **generalises** because the split is random."),
        new_markdown_cell(discussion),
        new_markdown_cell("### A detail\n\nstill part of the discussion"),
        new_markdown_cell("## Appendix\n\nnot the answer"),
    ])
    return nbformat.writes(notebook).encode("utf-8")


@pytest.fixture
def lab(toy):
    """toy whose manual check `review` names the heading its answer sits under."""
    checks = [check.model_copy(update={"params": {**check.params, "heading": "written discussion"}})
              if check.kind == "manual" else check for check in toy.rubric.checks]
    return dataclasses.replace(toy, rubric=toy.rubric.model_copy(update={"checks": checks}))


@pytest.fixture
def gradebook(tmp_path: Path) -> Path:
    path = tmp_path / "gradebook.sqlite"
    with Gradebook.open(path) as book:
        book.add_submission("toy", ANNA, "aarcher", "a" * 64, notebook_bytes(f"More of my answer. {HOSTILE}"))
        book.add_submission("toy", BORIS, "bbrown", "b" * 64, b"this is not a notebook")
    return path


def entered(gradebook: Path, student: str) -> dict[str, tuple[float, str]]:
    with Gradebook.open(gradebook) as book:
        return book.manual_points("toy", student)


# --- the answer beside a manual check -----------------------------------------------------------

def cells(*texts: str) -> list[NotebookCell]:
    return [NotebookCell(number, "code" if text.startswith("code:") else "markdown", text.removeprefix("code:"))
            for number, text in enumerate(texts, start=1)]


def test_the_answer_is_its_headings_section():
    notebook = cells("# Lab", "## Paper review\nI read YOLO.", "code:print(1)", "### Details\nmore", "## Next\nno",
                     "## Paper review again")
    assert [c.number for c in section_under(notebook, "PAPER REVIEW")] == [2, 3, 4]
    assert [c.number for c in section_under(notebook, "lab")] == [1, 2, 3, 4, 5, 6]
    assert section_under(notebook, "conclusions") is None
    assert section_under(cells("code:# Paper review\nx = 1"), "paper review") is None, "a code comment is no heading"


def test_a_students_html_is_shown_as_text_and_code_is_escaped():
    shown = answer(notebook_bytes(HOSTILE), "written discussion")
    html = "".join(cell.html for cell in shown.cells)
    assert shown.problem is None and [cell.number for cell in shown.cells] == [3, 4, 5]
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "<strong>generalises</strong>" in html, "markdown is rendered"
    code = answer(notebook_bytes("x"), "")
    assert "x = 1 &lt; 2" in "".join(cell.html for cell in code.cells)
    assert code.problem and "names no heading" in code.problem and len(code.cells) == 6


def test_a_missing_heading_or_a_broken_notebook_says_so():
    assert "no markdown heading contains 'conclusions'" in answer(notebook_bytes("x"), "conclusions").problem
    broken = answer(b"this is not a notebook", "written discussion")
    assert broken.cells == [] and "not a notebook" in broken.problem


# --- the site: pages, the form, the token ---------------------------------------------------------

def test_the_index_lists_who_is_pending(gradebook, lab):
    site = ManualPointsSite(gradebook=gradebook, assignments=[lab])
    page = site.get("/", {}).body
    assert "2 of 2 still to enter" in page and review_path("toy", "1001") in page
    with Gradebook.open(gradebook) as book:
        book.set_manual("toy", "1001", "review", 2, "")
    assert "1 of 2 still to enter" in site.get("/", {}).body


def test_a_students_page_shows_the_answer_beside_the_form(gradebook, lab):
    site = ManualPointsSite(gradebook=gradebook, assignments=[lab])
    page = site.get(review_path("toy", "1001"), {})
    assert page.status == 200
    assert "<strong>generalises</strong>" in page.body and "not the answer" not in page.body
    assert "<script>document" not in page.body and "&lt;script&gt;" in page.body
    assert f'name="token" value="{site.token}"' in page.body
    broken = site.get(review_path("toy", "1002"), {})
    assert broken.status == 200 and "not a notebook" in broken.body


def test_saving_needs_the_token_and_a_valid_value(gradebook, lab):
    site = ManualPointsSite(gradebook=gradebook, assignments=[lab])
    path = review_path("toy", "1001")
    form = {"token": site.token, "check": "review", "points": "1.5", "comment": " clear and short "}
    assert site.post(path, {**form, "token": "forged"}).status == 403
    for points, why in [("99", "give 0 to 2"), ("-1", "give 0 to 2"), ("two", "points must be a number"),
                        ("nan", "points must be a number"), ("", "points must be a number")]:
        refused = site.post(path, {**form, "points": points})
        assert refused.status == 400 and why in refused.body and "Nothing was saved" in refused.body, points
        assert f'value="{points}"' in refused.body, "what was typed stays in the form"
    refused = site.post(path, {**form, "check": "square"})
    assert refused.status == 400 and "not a manual check" in refused.body
    assert entered(gradebook, "1001") == {}
    saved = site.post(path, form)
    assert saved.status == 303 and saved.location == f"{path}?saved=review#review"
    assert entered(gradebook, "1001") == {"review": (1.5, "clear and short")}
    assert entered(gradebook, "1002") == {}


@pytest.mark.parametrize("path", ["/review/toy/9999", "/review/other/1001", "/../../etc/passwd", "/feedback.html",
                                  "/review/toy", "/review/toy/1001/extra"])
def test_nothing_but_its_pages_is_served(gradebook, lab, path):
    site = ManualPointsSite(gradebook=gradebook, assignments=[lab])
    assert site.get(path, {}).status == 404
    assert site.post(path, {"token": site.token, "check": "review", "points": "1"}).status == 404


def test_a_course_without_manual_checks_is_a_usage_error(tmp_path):
    from grader.errors import UsageError

    (tmp_path / "assignments").mkdir()
    with pytest.raises(UsageError, match="no assignment .* has a manual check"):
        course_assignments(tmp_path)


@pytest.fixture
def served(gradebook, lab) -> Iterator[tuple[str, ManualPointsSite]]:
    site = ManualPointsSite(gradebook=gradebook, assignments=[lab])
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", site
    finally:
        server.shutdown()
        server.server_close()


def test_the_server_answers_only_at_its_own_address_with_a_strict_policy(served):
    url, site = served
    with urllib.request.urlopen(url + "/") as response:
        assert response.status == 200
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    rebound = urllib.request.Request(url + "/", headers={"Host": "attacker.example:80"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound)
    assert refused.value.code == 421
    large = urllib.request.Request(url + review_path("toy", "1001"), data=b"x" * (65 * 1024),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as too_large:
        urllib.request.urlopen(large)
    assert too_large.value.code == 400


def test_the_command_serves_the_course_until_stopped(gradebook, tmp_path):
    """`grader serve` with the fixture course (its manual check names no heading): it prints the
    address, serves the index, and stops on SIGINT with exit code 0, also when started with SIGINT
    ignored, as a shell script's background job is."""
    from conftest import FIXTURE_COURSE

    command = [sys.executable, "-m", "grader", "serve", "--gradebook", str(gradebook),
               "--course", str(FIXTURE_COURSE), "--port", "0"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        line = process.stderr.readline()
        assert line.startswith("manual points: http://127.0.0.1:"), line
        url = line.split()[2]
        with urllib.request.urlopen(url + review_path("toy", "1001").lstrip("/")) as response:
            page = response.read().decode()
        assert "names no heading for this check" in page and "not the answer" in page
    finally:
        process.send_signal(2)
        assert process.wait(timeout=30) == 0


# --- the round trip in Chromium -----------------------------------------------------------------

class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    messages are JSON separated by NUL bytes on file descriptors 3 and 4), standard library only."""

    def __init__(self, profile: Path) -> None:
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()

        def descriptors() -> None:  # runs in the child: its fds 3 and 4 are the pipe's ends
            read_end, write_end = os.dup(to_browser), os.dup(from_browser)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=descriptors, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._next = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return reply["result"]
            self._events.append(reply)

    def wait_for(self, event: str) -> None:
        for index, seen in enumerate(self._events):
            if seen.get("method") == event:
                del self._events[: index + 1]
                return
        self._events.clear()
        while self._message().get("method") != event:
            pass

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)["result"].get(
            "value")

    def open(self, url: str) -> None:
        self._events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")

    def submit(self, script: str) -> None:
        """Run `script` (which submits a form) and wait for the page it leads to."""
        self._events.clear()
        self.evaluate(script)
        self.wait_for("Page.loadEventFired")

    def _message(self, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "Chromium did not answer"
            chunk = os.read(self._from_browser, 1 << 16)
            assert chunk, "Chromium closed its pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed (CI installs it)")
def test_in_chromium_points_entered_for_one_student_reach_the_gradebook(served, gradebook, tmp_path):
    url, _ = served
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(url + "/")
        assert browser.evaluate("document.querySelector('#pending-toy').textContent").startswith("2 of 2")
        browser.submit("document.querySelector('tr[data-student=\"1001\"] a.review').click()")
        assert browser.evaluate("location.pathname") == "/review/toy/1001"
        assert browser.evaluate("document.querySelector('#review .answer strong').textContent") == "generalises"
        assert browser.evaluate("document.querySelectorAll('.answer script, .answer img').length") == 0
        assert browser.evaluate("document.title") != "owned", "the student's HTML did not run"

        browser.submit("""document.querySelector('#points-review').value = '1.5';
                          document.querySelector('#comment-review').value = 'Clear and well argued.';
                          document.querySelector('#review form button').click();""")
        assert browser.evaluate("document.querySelector('#saved').textContent") == "Saved to the gradebook."
        assert entered(gradebook, "1001") == {"review": (1.5, "Clear and well argued.")}
        assert entered(gradebook, "1002") == {}

        browser.submit("""document.querySelector('#points-review').value = '99';
                          document.querySelector('#review form button').click();""")
        error = browser.evaluate("document.querySelector('#error').textContent")
        assert "99 points for review: give 0 to 2" in error and "Nothing was saved" in error
        assert browser.evaluate("document.querySelector('#points-review').value") == "99"
        assert entered(gradebook, "1001") == {"review": (1.5, "Clear and well argued.")}, "the bad value wrote nothing"

        browser.open(url + "/")
        assert browser.evaluate("document.querySelector('#pending-toy').textContent").startswith("1 of 2")
    finally:
        browser.close()
