"""Self-check from inside Jupyter: `%load_ext grader`, then `%grader_check [ASSIGNMENT] [NOTEBOOK]
[OPTIONS]`.

The magic runs `grader check` on the notebook FILE, as last saved, in a separate process (the
grader's CLI with its default sandbox), and shows the results table in the cell's output. The
student's kernel never imports a check or a rubric, and nothing the check does can touch the
kernel's variables. It saves nothing: saving is the front end's job (a kernel can only ask for it
through front-end JavaScript, which JupyterLab 4 and VS Code do not run from an output), so the
output says which file was checked and when it was saved, and asks for a save first.

Which file: the one the Jupyter server started this kernel for (`JPY_SESSION_NAME`, set by
jupyter_server 2 and mirrored by ipykernel as `__session__`; VS Code's `__vsc_ipynb_file__`),
else the NOTEBOOK named in the magic. Asking the server's sessions API instead would need its URL
and token, which a kernel is not given. Which assignment: ASSIGNMENT, else the lab folder the
notebook sits in (a student bundle), else the id a starter notebook is stamped with.

Import-light: the stdlib, IPython's display, and the grader's result and table modules.
"""

from __future__ import annotations

import html
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.report.points import out_of
from grader.results import GradeResult

ASSIGNMENT_FILE = "assignment.yaml"     # grader.course.ASSIGNMENT_FILE, not imported: it loads the specs
DEFAULT_OUT = "grader-check"
SESSION_NAMES = ("__session__", "__vsc_ipynb_file__")  # where front ends put the notebook's path
STOP_SECONDS = 15                       # after an interrupt, how long the check may take to clean up


class CheckProblem(Exception):
    """Something the student must fix before the check can run; the message says what."""


@dataclass
class MagicArguments:
    assignment: str | None = None
    notebook: str | None = None
    options: list[str] = field(default_factory=list)   # passed to `grader check` as they are

    @classmethod
    def parse(cls, line: str) -> MagicArguments:
        """`[ASSIGNMENT] [NOTEBOOK] [OPTIONS]`: the words before the first option; a lone word ending
        in .ipynb is the notebook."""
        words = shlex.split(line)
        first_option = next((i for i, word in enumerate(words) if word.startswith("-")), len(words))
        positional, options = words[:first_option], words[first_option:]
        if len(positional) > 2:
            raise CheckProblem(f"expected at most an assignment and a notebook before the options, found "
                               f"{len(positional)} words: {' '.join(positional)}")
        if len(positional) == 1 and positional[0].endswith(".ipynb"):
            return cls(notebook=positional[0], options=options)
        assignment, notebook = (positional + [None, None])[:2]
        return cls(assignment=assignment, notebook=notebook, options=options)


def notebook_path(user_ns: Mapping[str, Any], environ: Mapping[str, str]) -> Path | None:
    """The notebook file this kernel runs for, as the front end told it, if it did."""
    candidates = [environ.get("JPY_SESSION_NAME"), *(user_ns.get(name) for name in SESSION_NAMES)]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None


def default_assignment(notebook: Path) -> str | None:
    """The lab folder the notebook sits in (a student bundle, or the lab's folder in a course),
    else the assignment id its starter was stamped with."""
    if (notebook.parent / ASSIGNMENT_FILE).is_file():
        return str(notebook.parent)
    try:
        stamped = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("grader", {})
    except (OSError, ValueError, AttributeError):
        return None
    value = stamped.get("assignment") if isinstance(stamped, dict) else None
    return value if isinstance(value, str) and value else None


@dataclass
class CheckRun:
    """What one `grader check` run gave: its exit status, the result (None when it printed none:
    a usage or infrastructure error) and what it wrote on stderr."""

    returncode: int
    result: GradeResult | None
    stderr: str


def check_command(assignment: str, notebook: Path, out: Path, options: list[str]) -> list[str]:
    """The CLI this kernel's Python runs: the grader installed beside it, its default sandbox."""
    return [sys.executable, "-m", "grader", "check", assignment, str(notebook), "--out", str(out), "--json",
            *options]


def run_check(command: list[str], on_line: Callable[[str], None]) -> CheckRun:
    """Run the check, giving each line it writes on stderr (its progress) to `on_line` as it comes.
    On an interrupt (the kernel's stop button) the check is interrupted too and given time to
    remove its sandbox."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, encoding="utf-8", errors="replace")
    assert process.stdout is not None and process.stderr is not None
    stdout: list[str] = []
    reader = threading.Thread(target=lambda: stdout.append(process.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    lines = []
    try:
        for line in process.stderr:
            lines.append(line)
            on_line(line.rstrip("\n"))
        process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    reader.join()
    return CheckRun(process.returncode, _result(stdout[0] if stdout else ""), "".join(lines))


def _result(stdout: str) -> GradeResult | None:
    try:
        return GradeResult.from_dict(json.loads(stdout))
    except (ValueError, TypeError, KeyError):
        return None


_STATUS_STYLE = {"passed": "#1a7f37", "partial": "#9a6700", "failed": "#cf222e", "pending": "#0969da"}


def result_html(result: GradeResult, *, notebook: Path, saved: float, feedback: str) -> str:
    """The check's results as a small table: score and verdict, then each check."""
    e = html.escape
    verdict = "passed" if result.passed else "below the pass mark"
    colour = "#1a7f37" if result.passed else "#cf222e"
    rows = "".join(
        f"<tr><td style='text-align:left'>{e(c.title)}</td>"
        f"<td style='text-align:left;color:{_STATUS_STYLE.get(c.status.value, 'inherit')}'>{e(c.status.value)}</td>"
        f"<td style='text-align:right;white-space:nowrap'>{e(out_of(c.points, c.max_points))}</td>"
        f"<td style='text-align:left'>{e(c.message)}</td></tr>"
        for c in result.checks)
    message = f"<p>{e(result.message)}</p>" if result.message else ""
    return (f"<div class='grader-check'><p><strong style='color:{colour}'>{e(out_of(result.score, result.max_score))}"
            f" · {e(result.status.value)}, {verdict}</strong></p>{message}"
            f"<table><thead><tr><th style='text-align:left'>check</th><th style='text-align:left'>result</th>"
            f"<th>points</th><th style='text-align:left'>message</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p style='font-size:smaller'>{e(_checked_line(notebook, saved))} "
            f"Feedback page: <a href='{e(feedback)}' target='_blank'>{e(feedback)}</a></p></div>")


def result_text(result: GradeResult, *, notebook: Path, saved: float) -> str:
    """The same for a front end that shows only text."""
    from click import unstyle

    from grader.report.terminal import checks_table

    return unstyle(checks_table(result, width=100)) + "\n" + _checked_line(notebook, saved)


def _checked_line(notebook: Path, saved: float) -> str:
    when = time.strftime("%H:%M:%S", time.localtime(saved))
    return (f"Checked {notebook.name} as saved at {when}; save the notebook first (Ctrl+S) to check your latest "
            "changes.")


def grader_check(line: str, *, user_ns: Mapping[str, Any] | None = None) -> None:
    """%grader_check [ASSIGNMENT] [NOTEBOOK] [OPTIONS]: check the saved notebook with the public
    checks, in a separate process; OPTIONS go to `grader check` (e.g. --course DIR, --sandbox NAME)."""
    from IPython.display import display

    try:
        arguments = MagicArguments.parse(line)
        notebook, assignment = _resolve(arguments, user_ns or {})
    except CheckProblem as problem:
        display({"text/plain": f"grader_check: {problem}"}, raw=True)
        return
    out = _out_folder(arguments.options, notebook)
    saved = notebook.stat().st_mtime
    handle = display({"text/plain": f"Checking {notebook.name} as saved at "
                                    f"{time.strftime('%H:%M:%S', time.localtime(saved))} ..."},
                     raw=True, display_id=True)
    run = run_check(check_command(assignment, notebook, out, arguments.options),
                    lambda text: handle.update({"text/plain": text}, raw=True) if text.strip() else None)
    if run.result is None:
        handle.update({"text/plain": f"grader check ended with exit status {run.returncode} and no result:\n"
                                     f"{run.stderr.strip()}"}, raw=True)
        return
    feedback = _link(out / "feedback.html", notebook.parent)
    handle.update({"text/html": result_html(run.result, notebook=notebook, saved=saved, feedback=feedback),
                   "text/plain": result_text(run.result, notebook=notebook, saved=saved)}, raw=True)


def _resolve(arguments: MagicArguments, user_ns: Mapping[str, Any]) -> tuple[Path, str]:
    if arguments.notebook is not None:
        notebook = Path(arguments.notebook).expanduser().resolve()
        if not notebook.is_file():
            raise CheckProblem(f"expected a saved notebook at {arguments.notebook}, found no such file")
    else:
        found = notebook_path(user_ns, os.environ)
        if found is None:
            raise CheckProblem("this kernel was not told which notebook it runs for (Jupyter Server 2 and VS Code "
                               "tell it); name the file: %grader_check ASSIGNMENT path/to/notebook.ipynb")
        notebook = found
    assignment = arguments.assignment or default_assignment(notebook)
    if assignment is None:
        raise CheckProblem(f"{notebook.name} is not in a lab's folder and its metadata names no assignment; "
                           "name it: %grader_check ASSIGNMENT")
    return notebook, assignment


def _out_folder(options: list[str], notebook: Path) -> Path:
    """--out as given to the magic, else grader-check/ beside the notebook."""
    if "--out" in options[:-1]:
        return Path(options[options.index("--out") + 1]).expanduser().resolve()
    return notebook.parent / DEFAULT_OUT


def _link(path: Path, base: Path) -> str:
    """The feedback page as a link relative to the notebook's folder (what front ends resolve)."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_ipython_extension(ipython: Any) -> None:
    """%load_ext grader (or grader.jupyter): registers %grader_check."""

    def magic(line: str) -> None:
        grader_check(line, user_ns=ipython.user_ns)

    magic.__doc__ = grader_check.__doc__
    ipython.register_magic_function(magic, magic_kind="line", magic_name="grader_check")
