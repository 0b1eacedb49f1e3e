"""The grader beside the tools instructors use today, measured side by side in one run.

    .venv/bin/python benchmarks/compare_tools.py [--runs 1] [--submissions 20] [--kinds numpy,mlp]
        [--tools floor,grader-namespaces,grader-docker,otter,nbgrader] [--out table.md]

Two notebooks (a numpy exercise and a small PyTorch MLP on a procedural two-moons stand-in), each
made into the same small assignment for every tool: a grader course folder (assignment.yaml and a
rubric), an otter-grader autograder zip (`otter generate` from OK-format tests) and an nbgrader
course (`nbgrader generate_assignment`). Every tool grades the same submissions: the notebook with
one line that differs per student. Runners, each over all submissions, one after another:

  floor          nbclient executing each submission in a fresh kernel, serially: no checks at all
  grader-namespaces `grader grade --sandbox namespaces --workers 1` over the folder (one command; isolated)
  grader-docker  the same with `--sandbox docker` (skipped, with the reason, when no engine answers)
  otter          `otter run` once per submission (otter's command for grading one notebook)
  nbgrader       `nbgrader autograde` over the course's submitted/ folder (one command)

Each runner must give every submission full marks, or the benchmark stops: a fast wrong grader
is no result. Runs are interleaved (run 1 of every runner, then run 2, ...) so drift on the
machine hits all alike; the table has seconds per submission (batch wall time / submissions).
otter-grader and nbgrader are installed from PyPI into their own virtual environments under
~/.cache/grader/bench-venvs (once; reused later) with the grader's numpy version; torch comes from
the grader's own environment through a .pth line (appended after the venv's own packages), so the
same torch runs every notebook and nothing of gigabytes is downloaded again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

TOOLS = ("floor", "grader-namespaces", "grader-docker", "otter", "nbgrader")
LABELS = {"floor": "bare nbclient (floor)", "grader-namespaces": "grader grade --sandbox namespaces",
          "grader-docker": "grader grade --sandbox docker", "otter": "otter run", "nbgrader": "nbgrader autograde"}
VENVS = Path.home() / ".cache" / "grader" / "bench-venvs"
PYPI = {"otter": ["otter-grader==7.0.0"], "nbgrader": ["nbgrader==0.9.6"]}
DOCKER_REQUIREMENTS = ["torch==2.13.0", "keras==3.15.1"]   # the runtime image the docker sandbox uses
TIMEOUT = 1800


# ---------------------------------------------------------------------------------------------
# The two notebooks and their checks, written once and translated for each tool.

@dataclass(frozen=True)
class Test:
    """One graded item: an expression that must be true (otter, nbgrader) and the grader's check."""

    name: str
    points: int
    expression: str
    check: dict          # the grader rubric's check (kind and params) for the same item


@dataclass(frozen=True)
class Exercise:
    title: str
    framework: str
    cells: tuple[str, ...]
    tests: tuple[Test, ...]


NUMPY = Exercise(
    title="numpy: sigmoid, a 2-D convolution and gradient descent on a linear model",
    framework="numpy",
    cells=(
        "import numpy as np",
        textwrap.dedent("""\
            def sigmoid(x):
                return 1 / (1 + np.exp(-x))


            def convolve2d(image, kernel):
                kh, kw = kernel.shape
                out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
                for i in range(out.shape[0]):
                    for j in range(out.shape[1]):
                        out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
                return out"""),
        textwrap.dedent("""\
            rng = np.random.default_rng(0)
            X = rng.normal(size=(200, 3))
            y = X @ np.array([1.5, -2.0, 0.5]) + 0.1 * rng.normal(size=200)
            w = np.zeros(3)
            for step in range(500):
                w -= 0.1 * X.T @ (X @ w - y) / len(y)
            print(w)"""),
    ),
    tests=(
        Test("sigmoid", 2, "np.allclose(sigmoid(np.array([-2.0, 0.0, 2.0])), [0.11920292, 0.5, 0.88079708])",
             {"kind": "function", "params": {"name": "sigmoid", "rtol": 1e-6, "cases": [
                 {"args": [{"array": [-2.0, 0.0, 2.0]}], "expected": [0.11920292202211755, 0.5, 0.8807970779778823]}]}}),
        Test("convolve2d", 2, "np.allclose(convolve2d(np.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]]), "
                              "np.array([[1, 2], [3, 4]])), [[56, 44, 36], [50, 42, 61]])",
             {"kind": "function", "params": {"name": "convolve2d", "cases": [
                 {"args": [{"array": [[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]]}, {"array": [[1, 2], [3, 4]]}],
                  "expected": [[56.0, 44.0, 36.0], [50.0, 42.0, 61.0]]}]}}),
        Test("weights", 1, "np.allclose(w, [1.5, -2.0, 0.5], atol=0.1)",
             {"kind": "variable", "params": {"name": "w", "shape": [3], "equals": [1.5, -2.0, 0.5], "atol": 0.1}}),
    ),
)

MLP = Exercise(
    title="PyTorch: a small MLP on two moons",
    framework="pytorch",
    cells=(
        "import numpy as np\nimport torch\nfrom torch import nn",
        textwrap.dedent("""\
            torch.manual_seed(0)
            rng = np.random.default_rng(0)


            def two_moons(n, noise=0.15):
                t = rng.uniform(0, np.pi, n)
                label = rng.integers(0, 2, n)
                upper = np.stack([np.cos(t), np.sin(t)], 1)
                lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
                points = np.where(label[:, None] == 0, upper, lower) + noise * rng.normal(size=(n, 2))
                return torch.tensor(points, dtype=torch.float32), torch.tensor(label)


            X_train, y_train = two_moons(600)
            X_test, y_test = two_moons(400)"""),
        textwrap.dedent("""\
            model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
            optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
            loss_fn = nn.CrossEntropyLoss()
            for epoch in range(60):
                optimizer.zero_grad()
                loss = loss_fn(model(X_train), y_train)
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                accuracy = (model(X_test).argmax(1) == y_test).float().mean().item()
            print(f"test accuracy {accuracy:.3f}")"""),
    ),
    tests=(
        Test("layers", 1, "isinstance(model, nn.Sequential) and len(model) == 5",
             {"kind": "variable", "params": {"name": "model", "type": "Sequential", "length": 5}}),
        Test("accuracy", 2, "accuracy >= 0.9", {"kind": "variable", "params": {"name": "accuracy", "min": 0.9}}),
    ),
)

EXERCISES = {"numpy": NUMPY, "mlp": MLP}


def student_cell(number: int) -> str:
    """The per-student difference: every submission is a distinct file with its own content."""
    return f'student = "student{number:02d}"  # each submission differs here\nprint(student)'


def submission(exercise: Exercise, number: int) -> nbformat.NotebookNode:
    cells = [new_markdown_cell(f"# {exercise.title}")] + [new_code_cell(source) for source in exercise.cells]
    return _notebook(cells + [new_code_cell(student_cell(number))])


def _notebook(cells: list) -> nbformat.NotebookNode:
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})


# ---------------------------------------------------------------------------------------------
# Building each tool's assignment (untimed).

def build_grader(exercise: Exercise, kind: str, root: Path, notebooks: list[Path]) -> Path:
    """A course folder: assignments/<id>/assignment.yaml + starter, rubrics/<id>.yaml."""
    assignment_id = f"bench-{kind}"
    folder = root / "assignments" / assignment_id
    folder.mkdir(parents=True)
    spec = {"id": assignment_id, "title": exercise.title, "framework": exercise.framework,
            "limits": {"cell_timeout": 300, "total_timeout": 600, "probe_timeout": 60}}
    (folder / "assignment.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    shutil.copyfile(notebooks[0], folder / "starter.ipynb")
    (folder / "README.md").write_text(f"# {exercise.title}\n")
    rubric = {"assignment": assignment_id, "version": 1, "pass_mark": 1.0,
              "checks": [{"id": t.name, "title": t.name, "points": t.points, **t.check} for t in exercise.tests]}
    (root / "rubrics").mkdir(exist_ok=True)
    (root / "rubrics" / f"{assignment_id}.yaml").write_text(yaml.safe_dump(rubric, sort_keys=False))
    return root


def build_otter(exercise: Exercise, root: Path, venv: Path) -> Path:
    """OK-format tests (otter's own format) and `otter generate` -> autograder.zip."""
    tests = root / "tests"
    tests.mkdir(parents=True)
    for test in exercise.tests:
        case = {"code": f">>> bool({test.expression})\nTrue", "hidden": False, "locked": False}
        document = {"name": test.name, "points": test.points,
                    "suites": [{"cases": [case], "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
        (tests / f"{test.name}.py").write_text(f"OK_FORMAT = True\n\ntest = {document!r}\n")
    (root / "requirements.txt").write_text("")
    _tool(venv, "otter", ["generate", "--tests-dir", "tests", "--output-path", "autograder.zip"], cwd=root)
    return root / "autograder.zip"


def build_nbgrader(exercise: Exercise, kind: str, root: Path, venv: Path, notebooks: list[Path]) -> Path:
    """source/ with nbgrader cell metadata -> generate_assignment -> submitted/<student>/<kind>/."""
    source = root / "source" / kind
    source.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\nc.CourseDirectory.course_id = 'bench'\n"
        "c.ExecutePreprocessor.timeout = 600\n")
    cells = list(submission(exercise, 0).cells)
    for test in exercise.tests:
        cell = new_code_cell(f"assert {test.expression}")
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{test.name}", "locked": True,
                                     "points": test.points, "schema_version": 3, "solution": False, "task": False}
        cells.append(cell)
    nbformat.write(_notebook(cells), str(source / f"{kind}.ipynb"))
    _tool(venv, "nbgrader", ["generate_assignment", kind, "--force"], cwd=root)
    released = nbformat.read(str(root / "release" / kind / f"{kind}.ipynb"), as_version=4)
    marker = student_cell(0)
    for number in range(len(notebooks)):
        copy = nbformat.from_dict(json.loads(json.dumps(released)))
        for cell in copy.cells:
            if cell.source == marker:
                cell.source = student_cell(number)
        target = root / "submitted" / f"student{number:02d}" / kind
        target.mkdir(parents=True)
        nbformat.write(copy, str(target / f"{kind}.ipynb"))
    return root


# ---------------------------------------------------------------------------------------------
# Runners: each grades every submission and returns the wall time; a wrong grade stops the run.

@dataclass
class Workspace:
    kind: str
    exercise: Exercise
    notebooks: list[Path]
    scratch: Path
    course: Path | None = None
    otter_zip: Path | None = None
    nbgrader_root: Path | None = None
    docker_image: str | None = None

    def fresh(self, name: str) -> Path:
        """An empty folder for one run's outputs."""
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.scratch))


def run_floor(ws: Workspace) -> float:
    work = ws.fresh("floor")
    started = time.perf_counter()
    for path in ws.notebooks:
        notebook = nbformat.read(str(path), as_version=4)
        NotebookClient(notebook, kernel_name="python3", timeout=600,
                       resources={"metadata": {"path": str(work)}}).execute()
    return time.perf_counter() - started


def run_grader(ws: Workspace, sandbox: str) -> float:
    out = ws.fresh(f"grader-{sandbox}")
    command = [sys.executable, "-m", "grader", "grade", "--course", str(ws.course), f"bench-{ws.kind}",
               str(ws.notebooks[0].parent), "--out", str(out / "results"), "--gradebook", str(out / "book.sqlite"),
               "--workers", "1", "--sandbox", sandbox, "--json"]
    if sandbox == "docker":
        command += ["--image", ws.docker_image]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    seconds = time.perf_counter() - started
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"grader grade ({sandbox}) failed:\n{done.stderr[-3000:]}") from None
    wrong = [r for r in summary["results"] if r["score"] != r["max_score"]]
    if len(summary["results"]) != len(ws.notebooks) or wrong:
        raise SystemExit(f"grader grade ({sandbox}) did not give full marks: {wrong or summary}")
    return seconds


def run_otter(ws: Workspace, venv: Path) -> float:
    out = ws.fresh("otter")
    started = time.perf_counter()
    for number, path in enumerate(ws.notebooks):
        (out / str(number)).mkdir()
        _tool(venv, "otter", ["run", "-a", str(ws.otter_zip), "-o", str(out / str(number)), str(path)], cwd=out)
    seconds = time.perf_counter() - started
    total = sum(t.points for t in ws.exercise.tests)
    for number in range(len(ws.notebooks)):
        results = json.loads((out / str(number) / "results.json").read_text())  # Gradescope's format
        score = sum(test.get("score") or 0 for test in results.get("tests", []))
        if abs(score - total) > 1e-9:
            raise SystemExit(f"otter run gave submission {number} {score}/{total}: {results}")
    return seconds


def run_nbgrader(ws: Workspace, venv: Path) -> float:
    root = ws.nbgrader_root
    shutil.rmtree(root / "autograded", ignore_errors=True)
    started = time.perf_counter()
    _tool(venv, "nbgrader", ["autograde", ws.kind, "--force"], cwd=root)
    seconds = time.perf_counter() - started
    report = _tool(venv, "python", ["-c", NBGRADER_SCORES, str(root), ws.kind], cwd=root)
    scores = json.loads(report)
    total = sum(t.points for t in ws.exercise.tests)
    if len(scores) != len(ws.notebooks) or any(abs(s - total) > 1e-9 for s in scores.values()):
        raise SystemExit(f"nbgrader autograde did not give full marks ({total}): {scores}")
    return seconds


NBGRADER_SCORES = """\
import json, sys
from nbgrader.api import Gradebook
root, kind = sys.argv[1], sys.argv[2]
with Gradebook(f"sqlite:///{root}/gradebook.db") as book:
    print(json.dumps({s.student.id: s.score for s in book.assignment_submissions(kind)}))
"""


def _tool(venv: Path, program: str, arguments: list[str], *, cwd: Path) -> str:
    """Run one of a tool's commands from its own environment; its output when it succeeds."""
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([str(venv / "bin" / program), *arguments], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise SystemExit(f"{program} {' '.join(arguments)} failed ({done.returncode}):\n"
                         f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


# ---------------------------------------------------------------------------------------------
# The tools' environments: created once from PyPI and reused.

def tool_venv(tool: str, root: Path = VENVS) -> Path:
    """otter-grader or nbgrader in its own venv, with the grader's numpy and the grader's torch."""
    venv = root / tool
    ready = venv / "bench-ready.json"
    wanted = {"packages": PYPI[tool], "numpy": version("numpy")}
    if ready.is_file() and json.loads(ready.read_text()) == wanted:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    print(f"installing {' '.join(PYPI[tool])} into {venv} (once) ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(["nice", "-n", "10", str(venv / "bin" / "pip"), "install", "--quiet", *PYPI[tool], "ipykernel",
                    f"numpy=={version('numpy')}"], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # Appended after the venv's own packages: torch (and only what the venv lacks) from the grader's env.
    (site / "zz-grader-bench-torch.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    ready.write_text(json.dumps(wanted))
    return venv


def tool_version(venv: Path, distribution: str) -> str:
    return subprocess.run([str(venv / "bin" / "python"), "-c",
                           f"from importlib.metadata import version; print(version({distribution!r}))"],
                          capture_output=True, text=True).stdout.strip() or "?"


def docker_image() -> tuple[str | None, str]:
    """The runtime image `grader grade --sandbox docker` would use here, or None and why not."""
    try:
        from grader.sandbox.docker import connect
        client = connect()
    except Exception as exc:  # noqa: BLE001 - any reason the engine does not answer
        return None, f"no docker engine answers ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
    tag = subprocess.run([sys.executable, "-m", "grader", "image", "tag",
                          *[f"--requirement={r}" for r in DOCKER_REQUIREMENTS]],
                         capture_output=True, text=True).stdout.strip()
    try:
        client.images.get(tag)
    except Exception:  # noqa: BLE001
        return None, f"the runtime image {tag or '?'} is not built (scripts/docker-setup.sh builds it)"
    return tag, ""


# ---------------------------------------------------------------------------------------------

def machine_lines() -> list[str]:
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    return [f"- machine: {os.cpu_count()} cores (nproc), {total} memory (free -h), Linux {platform.release()}, "
            f"{platform.machine()}, Python {platform.python_version()}"]


def cpu_seconds() -> float:
    """CPU time of this process and every descendant it has waited for (kernels, tools, sandboxes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def table(times: dict[tuple[str, str], list[tuple[float, float]]], kinds: list[str], tools: list[str],
          count: int) -> list[str]:
    """Per submission: wall-time median, min, max and ratio to the floor; CPU-time median and ratio
    (the CPU column holds up under load, where wall times stretch)."""
    rows = ["| notebook | runner | median s | min s | max s | ratio to floor | CPU s | CPU ratio |",
            "|---|---|---|---|---|---|---|---|"]
    for kind in kinds:
        floor = times.get((kind, "floor"))
        base_wall = statistics.median(w for w, _ in floor) / count if floor else None
        base_cpu = statistics.median(c for _, c in floor) / count if floor else None
        for tool in tools:
            if (kind, tool) not in times:
                continue
            wall = [w / count for w, _ in times[(kind, tool)]]
            median = statistics.median(wall)
            ratio = f"{median / base_wall:.2f}" if base_wall else "n/a"
            cpu_text = cpu_ratio = "n/a"  # a container's processes are dockerd's children, not ours
            if tool != "grader-docker":
                cpu = statistics.median(c for _, c in times[(kind, tool)]) / count
                cpu_text, cpu_ratio = f"{cpu:.2f}", f"{cpu / base_cpu:.2f}" if base_cpu else "n/a"
            rows.append(f"| {kind} | {LABELS[tool]} | {median:.2f} | {min(wall):.2f} | {max(wall):.2f} | {ratio} "
                        f"| {cpu_text} | {cpu_ratio} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1,
                        help="timed runs of every runner, interleaved (one run of everything takes about 16 minutes on 2 cores)")
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated, from {', '.join(TOOLS)}")
    parser.add_argument("--kinds", default=",".join(EXERCISES), help="comma-separated: numpy, mlp")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the untimed round (every runner on one submission of the first notebook)")
    parser.add_argument("--venvs", type=Path, default=VENVS, help="where otter's and nbgrader's venvs are kept")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    tools = [t for t in TOOLS if t in args.tools.split(",")]
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(args.tools.split(",")) - set(TOOLS) | set(kinds) - set(EXERCISES)
    if unknown:
        parser.error(f"unknown tools or kinds: {', '.join(sorted(unknown))}")
    # The grader's sandbox lets idle OpenMP threads sleep (grader/sandbox/common.py); every other
    # runner's kernel inherits the same from here, so the table compares tools, not thread spinning.
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    notes: list[str] = []
    venvs = {tool: tool_venv(tool, args.venvs) for tool in ("otter", "nbgrader") if tool in tools}
    image = None
    if "grader-docker" in tools:
        image, why = docker_image()
        if image is None:
            print(f"skipping grader-docker: {why}", file=sys.stderr)
            notes.append(f"- grader grade --sandbox docker skipped: {why}")
            tools.remove("grader-docker")
    with tempfile.TemporaryDirectory(prefix="compare-tools-") as scratch_dir:
        scratch = Path(scratch_dir)
        spaces = {kind: prepare_workspace(kind, scratch, args.submissions, venvs, image) for kind in kinds}
        runners: dict[str, Callable[[Workspace], float]] = {
            "floor": run_floor, "grader-namespaces": lambda ws: run_grader(ws, "namespaces"),
            "grader-docker": lambda ws: run_grader(ws, "docker"),
            "otter": lambda ws: run_otter(ws, venvs["otter"]), "nbgrader": lambda ws: run_nbgrader(ws, venvs["nbgrader"])}
        if not args.no_warmup:  # each tool's imports in the page cache, docker image layers: one notebook is enough
            for tool in tools:
                runners[tool](warmup_view(spaces[kinds[0]], scratch))
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        loads = [os.getloadavg()[0]]
        for run in range(args.runs):
            for kind in kinds:
                for tool in tools:
                    cpu = cpu_seconds()
                    seconds = runners[tool](spaces[kind])
                    times.setdefault((kind, tool), []).append((seconds, cpu_seconds() - cpu))
                    print(f"run {run + 1}/{args.runs} {kind:<5} {tool:<13} {seconds:7.1f} s", file=sys.stderr, flush=True)
                    loads.append(os.getloadavg()[0])
    versions = [f"grader {version('grader')}", f"nbclient {version('nbclient')}", f"torch {version('torch')}",
                f"numpy {version('numpy')}"]
    versions += [f"{PYPI[t][0].split('==')[0]} {tool_version(v, PYPI[t][0].split('==')[0])}" for t, v in venvs.items()]
    if image:
        versions.append(f"docker image {image}")
    lines = [f"{args.submissions} submissions per notebook, {args.runs} runs each, interleaved; seconds per "
             "submission (a batch's wall time / submissions; CPU: all processes of the batch)", "", *table(times, kinds, tools, args.submissions), "",
             *machine_lines(), f"- versions: {', '.join(versions)}",
             f"- load average (1 min) during the runs: min {min(loads):.2f}, max {max(loads):.2f}", *notes]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


def prepare_workspace(kind: str, scratch: Path, count: int, venvs: dict[str, Path], image: str | None) -> Workspace:
    exercise = EXERCISES[kind]
    inbox = scratch / kind / "submissions"
    inbox.mkdir(parents=True)
    notebooks = []
    for number in range(count):
        path = inbox / f"student{number:02d}.ipynb"
        nbformat.write(submission(exercise, number), str(path))
        notebooks.append(path)
    space = Workspace(kind=kind, exercise=exercise, notebooks=notebooks, scratch=scratch, docker_image=image)
    space.course = build_grader(exercise, kind, scratch / kind / "grader", notebooks)
    if "otter" in venvs:
        space.otter_zip = build_otter(exercise, scratch / kind / "otter", venvs["otter"])
    if "nbgrader" in venvs:
        space.nbgrader_root = build_nbgrader(exercise, kind, scratch / kind / "nbgrader", venvs["nbgrader"], notebooks)
    return space


def warmup_view(space: Workspace, scratch: Path) -> Workspace:
    """The same assignment with one submission, for the untimed warm-up round."""
    inbox = Path(tempfile.mkdtemp(prefix="warmup-", dir=scratch))
    shutil.copyfile(space.notebooks[0], inbox / space.notebooks[0].name)
    one = Workspace(**{**vars(space), "notebooks": [inbox / space.notebooks[0].name]})
    if space.nbgrader_root is not None:  # nbgrader grades its whole submitted/ folder: a course of one
        one.nbgrader_root = Path(tempfile.mkdtemp(prefix="warmup-nbgrader-", dir=scratch)) / "course"
        shutil.copytree(space.nbgrader_root, one.nbgrader_root, ignore=shutil.ignore_patterns("student0[1-9]", "student[1-9]*"))
        config = one.nbgrader_root / "nbgrader_config.py"
        config.write_text(config.read_text().replace(str(space.nbgrader_root), str(one.nbgrader_root)))
    return one


if __name__ == "__main__":
    sys.exit(main())
