"""Hostile notebooks against the isolating sandboxes (issue 14): real kernels through the real
pipeline, each test asserting what leaked: nothing.

Every test runs on each backend of ISOLATING: `namespaces` (bubblewrap: its own mount, PID,
network and IPC namespaces, an unprivileged uid) and `docker`. A backend that is not available
here is skipped with the reason (no bwrap, no such backend, no Docker engine, no test image).

The notebooks come from the attack kit in tests/isolation_support.py: a first cell that defines
the attacks and names the kernel with a marker, then cells that run them. Each attack catches its
own errors and prints what it managed (`ISOLATION {...}` lines, read back from the executed
notebook), so a failure says what a student could have done.

Proving the tests can fail. A test that cannot fail proves nothing, so each was run on a backend
that does not isolate, where it must fail:

    GRADER_ISOLATION_TEST_BACKENDS=unisolated .venv/bin/python -m pytest tests/test_isolation.py

(`local` on a checkout from before the namespaces backend). Run as root there, every test fails,
on what the notebook reported and, where the host can see it, on the host's own evidence (the
hidden accuracy, the instructor's files, the listener, the leftover processes, the peak count of
bomb processes, the forged score, the package folders), except the plain double fork, which the
unisolated supervisor (a child subreaper) also reaps; its variant that first kills the
supervisor does fail there. The same run against the docker backend as it was before issue 14
failed the three tests that forge observations or write into the harness's descriptors.

The kit never harms the machine on such a backend: when the kernel shares the test's PID or mount
namespace, it signals, and writes into the descriptors of, only its own sandbox's processes,
looks for observations files only in its sandbox folder, and writes into the Python environment
only new inert files, which the tests remove; the fork bomb is bounded (at most 2047 processes,
gone after a few seconds) and every marked process is killed when a test ends.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from conftest import FIXTURE_COURSE, REPO, TOY_GOOD, make_notebook
from grader.errors import InfrastructureError, UsageError
from grader.overrides import with_overrides
from grader.pipeline import GradingOptions, grade_notebook, grade_notebook_with_observations
from grader.results import CheckStatus, GradeResult, Status
from isolation_support import (
    Listener,
    PeakCounter,
    call,
    fingerprint,
    host_namespaces,
    kill_marked,
    kit_cell,
    new_marker,
    reports,
    wait_until_gone,
)

pytestmark = pytest.mark.slow

ISOLATING = ["namespaces", "docker"]
# GRADER_ISOLATION_TEST_BACKENDS=name[,name...] replaces that list, e.g. with `unisolated` to see
# every test fail (see the module's docstring); GRADER_ISOLATION_TEST_VERBOSE=1 (with -s) prints
# every grade and what the notebook reported, passing or not.
BACKENDS = [name.strip() for name in os.environ.get("GRADER_ISOLATION_TEST_BACKENDS", "").split(",")
            if name.strip()] or ISOLATING

# The toy's limits (5 s a cell) are too tight for the slower attacks on a loaded machine.
LIMITS = {"cell_timeout": 20, "total_timeout": 60}
# Checks a notebook that does none of the work can only pass with forged observations.
EARNED_ONLY_BY_WORK = ("square", "table", "scaled", "report", "saved", "public-accuracy", "hidden-accuracy")
DEFINED_STATUSES = {Status.GRADED, Status.NEEDS_REVIEW, Status.TIMEOUT, Status.CRASHED, Status.ERROR}
# The notebook ran to its end: an attack that defines functions of its own but none of the lab's
# names is triaged `needs-review` (grader/checks/triage.py), which is no escape either.
RAN = {Status.GRADED, Status.NEEDS_REVIEW}


def by_id(result: GradeResult) -> dict:
    return {check.id: check for check in result.checks}


def explain(result: GradeResult, found: dict) -> str:
    """What to print when an assertion fails: the grade and everything the notebook reported."""
    checks = ", ".join(f"{c.id}={c.status.value}" for c in result.checks)
    return f"status {result.status.value}, score {result.score}, {result.message}; checks: {checks}; reports: " + \
        json.dumps(found, indent=1)[:6000]


# --- backends ------------------------------------------------------------------------------------


def _sandbox(name: str):  # noqa: ANN202
    from grader.sandbox import get_sandbox

    if name == "docker":
        from grader.sandbox.docker import connect
        from grader.sandbox.images import Recipe, find_image
        from test_docker_sandbox import TEST_REQUIREMENTS

        try:
            engine = connect()
        except InfrastructureError as exc:
            pytest.skip(f"docker: no engine answers ({exc})")
        tag = Recipe("cpu", TEST_REQUIREMENTS).tag
        if find_image(engine, tag) is None:
            pytest.skip(f"docker: the test image {tag} is not built (scripts/docker-setup.sh builds it)")
        return get_sandbox("docker", requirements=TEST_REQUIREMENTS)
    if name == "namespaces" and shutil.which("bwrap") is None:
        pytest.skip("namespaces: bubblewrap (bwrap) is not installed (apt-get install bubblewrap)")
    try:
        return get_sandbox(name)
    except (UsageError, InfrastructureError) as exc:
        pytest.skip(f"{name}: not available here: {exc}")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    return request.param, _sandbox(request.param)


@pytest.fixture(scope="module")
def control(backend, toy, tmp_path_factory):
    """The honest reference graded on this backend: its hidden accuracy is the honest value, and
    its observations are what a forger writes (they earn every automatic point)."""
    name, sandbox = backend
    folder = tmp_path_factory.mktemp(f"control-{name}")
    notebook = make_notebook(folder / "honest.ipynb", TOY_GOOD)
    graded = grade_notebook_with_observations(toy, notebook, GradingOptions(sandbox=sandbox, out_dir=folder / "out"))
    assert graded.result.status is Status.GRADED and graded.result.score == 12, explain(graded.result, {})
    assert graded.observations
    graded.out = folder / "out"
    return graded


@dataclass
class Attack:
    """One hostile submission on one backend: its marker, its context for the kit, grading."""

    backend: str
    sandbox: object
    toy: object
    control: object
    folder: Path
    marker: str
    comm: str

    @property
    def forged(self) -> str:
        return self.control.observations

    def context(self) -> dict:
        return {"marker": self.marker, "comm": self.comm, "host_ns": host_namespaces(), "host_pid": os.getpid(),
                "host_home": str(Path.home())}

    def notebook(self, cells: list, path: Path | None = None) -> Path:
        """The kit followed by `cells`, written as a submission."""
        return make_notebook(path or self.folder / "mallory.ipynb", [kit_cell(self.context()), *cells])

    def run(self, notebook: Path, **overrides) -> tuple[GradeResult, dict, float]:
        """(result, the notebook's reports, seconds), graded on this backend."""
        out = self.folder / "graded"
        started = time.monotonic()
        result = grade_notebook(with_overrides(self.toy, {**LIMITS, **overrides}), notebook,
                                GradingOptions(sandbox=self.sandbox, out_dir=out), submission_id="mallory")
        found = reports(out)
        if os.environ.get("GRADER_ISOLATION_TEST_VERBOSE"):
            print(f"\n[{self.backend}] {explain(result, found)}")
        return result, found, time.monotonic() - started

    def grade(self, cells: list, **overrides) -> tuple[GradeResult, dict, float]:
        return self.run(self.notebook(cells), **overrides)


def _harness_dir() -> Path:
    import grader.harness

    return Path(grader.harness.__file__).resolve().parent


def _site_packages() -> list[Path]:
    import site
    import sysconfig

    return sorted({Path(sysconfig.get_paths()["purelib"]), *map(Path, site.getsitepackages())})


@pytest.fixture
def attack(backend, toy, control, tmp_path):
    name, sandbox = backend
    marker, comm = new_marker()
    yield Attack(name, sandbox, toy, control, tmp_path, marker, comm)
    kill_marked(marker, comm)
    for folder in [_harness_dir(), *_site_packages()]:
        for leftover in folder.glob(f"isolation_{marker}.*"):
            leftover.unlink()


@pytest.fixture
def instructor(tmp_path, control):
    """An instructor's folders as `grader grade` leaves them: the class's submissions in an inbox
    (mallory's among them), another student's results, and the gradebook with that grade."""
    from grader.gradebook.records import Student
    from grader.gradebook.store import Gradebook

    root = tmp_path / "instructor"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    alice = make_notebook(inbox / "alice.ipynb", TOY_GOOD)
    make_notebook(inbox / "bob.ipynb", TOY_GOOD[:3])
    results = root / "grading-output" / "toy" / "alice"
    shutil.copytree(control.out, results)
    gradebook = root / "grading-output" / "gradebook.sqlite"
    with Gradebook.open(gradebook) as book:
        stored = book.add_submission("toy", Student("alice", "Alice"), "alice", "0" * 64, alice.read_bytes())
        book.record_result(stored.id, control.result, observations=control.observations, probes=control.probes)
    return root


# --- (1) the thief -----------------------------------------------------------------------------------


def test_thief_finds_no_hidden_split_seed_or_rubric_and_scores_its_honest_accuracy(attack, dataset_cache):
    """It globs the grading user's home, the real default cache and the test's dataset cache
    (GRADER_DATA_DIR) for hidden.npz, seeds and YAML, and answers from what it found."""
    home = Path.home()
    roots = [str(dataset_cache), str(home / ".cache" / "grader"), str(home)]
    thief = TOY_GOOD[3].replace("    return y[distances.argmin(axis=1)]",
                                "    return looked_up(inputs, y[distances.argmin(axis=1)])")
    assert thief != TOY_GOOD[3]
    cells = [*TOY_GOOD[:3], call("steal", roots), thief, *TOY_GOOD[4:]]
    result, found, _ = attack.grade(cells)
    why = explain(result, found)
    assert result.status is Status.GRADED, why
    assert "steal" in found and found["steal"]["found"] == [] and found["steal"]["rows"] == 0, why
    assert "lookup" not in found, why
    honest = by_id(attack.control.result)["hidden-accuracy"].details["value"]
    measured = by_id(result)["hidden-accuracy"].details.get("value")
    assert honest < 1.0 and measured == honest, why


# --- (2), (7) reading what only the instructor may read ------------------------------------------------


def test_rubrics_and_gradebook_cannot_be_read_by_absolute_path(attack, instructor):
    gradebook = instructor / "grading-output" / "gradebook.sqlite"
    rubrics = [FIXTURE_COURSE / "rubrics", REPO / "rubrics"]
    files = [FIXTURE_COURSE / "rubrics" / "toy.yaml", *sorted((REPO / "rubrics").glob("*.yaml"))[:3], gradebook,
             instructor / "grading-output" / "toy" / "alice" / "grade.json", instructor / "inbox" / "alice.ipynb"]
    assert all(path.is_file() for path in files)
    cells = [call("read_paths", [str(p) for p in files], folders=[str(p) for p in rubrics],
                  databases=[str(gradebook)])]
    result, found, _ = attack.grade(cells)
    why = explain(result, found)
    assert result.status in RAN, why
    assert "read" in found and found["read"]["read"] == [] and found["read"]["listed"] == [], why


def test_etc_shadow_cannot_be_read(attack):
    result, found, _ = attack.grade([call("read_paths", ["/etc/shadow", "/etc/gshadow"])])
    why = explain(result, found)
    assert result.status in RAN, why
    assert "read" in found and found["read"]["read"] == [], why


# --- (3) writing where only the grader may write --------------------------------------------------------


def test_other_submissions_results_gradebook_and_the_submission_itself_stay_untouched(attack, instructor):
    """It appends to (and touches) every file by absolute path, adds a file to every folder and
    rewrites the gradebook's results with sqlite3. It also drops a file into the machine's shared
    folders (/tmp, /var/tmp, /dev/shm, the grading user's home): the sandbox may give it private
    ones, but none may appear on the host."""
    mallory = instructor / "inbox" / "mallory.ipynb"
    results = instructor / "grading-output" / "toy" / "alice"
    gradebook = instructor / "grading-output" / "gradebook.sqlite"
    files = [mallory, instructor / "inbox" / "alice.ipynb", instructor / "inbox" / "bob.ipynb",
             *sorted(results.iterdir()), gradebook]
    folders = [instructor / "inbox", results, results.parent, gradebook.parent]
    shared = [Path(p) for p in ("/tmp", "/var/tmp", "/dev/shm", str(Path.home())) if Path(p).is_dir()]
    dropped = [folder / f"PWNED-{attack.marker}" for folder in shared]
    cells = [call("write_paths", [str(p) for p in files], [str(p) for p in folders], [str(gradebook)]),
             call("write_paths", folders=[str(p) for p in shared], tag="write-shared")]
    attack.notebook(cells, mallory)
    before = fingerprint(instructor)
    try:
        result, found, _ = attack.run(mallory)
        on_host = [str(path) for path in dropped if path.exists()]
    finally:
        for path in dropped:
            path.unlink(missing_ok=True)
    why = explain(result, found)
    assert result.status in RAN, why
    assert "write" in found and found["write"]["written"] == [], why
    after = fingerprint(instructor)
    assert sorted(after) == sorted(before), why
    assert {k: v for k, v in after.items() if v != before[k]} == {}, why
    assert on_host == [], why


# --- (4) the network ----------------------------------------------------------------------------------


def test_nothing_reaches_a_port_on_the_hosts_loopback(attack):
    listener = Listener()
    try:
        addresses = sorted({a.address for nics in psutil.net_if_addrs().values() for a in nics
                            if a.family == socket.AF_INET})
        assert "127.0.0.1" in addresses
        result, found, _ = attack.grade([call("connect", ["127.0.0.1", "localhost", *addresses], listener.port)])
        time.sleep(0.5)
    finally:
        listener.close()
    why = explain(result, found)
    assert result.status in RAN, why
    assert "connect" in found and found["connect"]["connected"] == [], why
    assert listener.accepted == [] and listener.received == b"", why


# --- (5) a process that outlives the kernel --------------------------------------------------------------


@pytest.mark.parametrize("kill_ancestors", [False, True], ids=["double-fork", "double-fork-and-kill-ancestors"])
def test_no_process_outlives_the_sandbox(attack, kill_ancestors):
    """A double-forked, setsid `sleep 300` (its argv[0] carries the marker); in the second variant
    the kernel then kills every ancestor it can see, so that nothing is left to reap the sleeper."""
    try:
        result, found, _ = attack.grade([call("escape", kill_ancestors=kill_ancestors)])
        left = wait_until_gone(attack.marker, attack.comm, seconds=10)
    finally:
        kill_marked(attack.marker, attack.comm)
    why = explain(result, found)
    assert result.status in DEFINED_STATUSES, why
    assert left == [], f"still running on the host: {left}; {why}"
    if not kill_ancestors:
        assert result.status in RAN and found.get("escape", {}).get("sleepers"), why


# --- (6) a fork bomb while the grader runs as root ---------------------------------------------------------


def test_fork_bomb_is_bounded_and_the_host_keeps_working(attack):
    """A bomb that would double 11 times (2047 processes, each gone 6 s after it started) is held
    at the sandbox's process limit, also when the grader is root (RLIMIT_NPROC does not bind
    root); the grade ends in time and the host can still start processes."""
    processes = 96
    baseline = len(psutil.pids())
    counter = PeakCounter(attack.marker + "-bomb")
    try:
        result, found, seconds = attack.grade([TOY_GOOD[1], call("bomb", 11, 6), TOY_GOOD[2]], processes=processes)
        subprocess.run(["true"], check=True, timeout=30)  # the host still forks
        left = wait_until_gone(attack.marker + "-bomb", seconds=15)
    finally:
        peak = counter.stop()
        kill_marked(attack.marker, attack.comm)
    why = explain(result, found) + f"; root: {os.geteuid() == 0}; at most {peak} bomb processes at once"
    assert result.status in DEFINED_STATUSES - {Status.ERROR}, why
    assert seconds < LIMITS["total_timeout"] + attack.toy.spec.limits.probe_timeout + 60, why
    assert "bomb" in found and found["bomb"]["created"] < processes, why
    assert peak <= processes, why  # counted on the host, whatever the notebook says
    assert left == [] and len(psutil.pids()) < baseline + 100, why
    if result.status is Status.GRADED:
        assert by_id(result)["scaled"].status is CheckStatus.PASSED, why  # the kernel worked on after the bomb


# --- (8) forging the observations, and attacking the harness -----------------------------------------------


@pytest.fixture
def decoy(tmp_path) -> Path:
    """A host file named like the harness's output, handed to the notebook as one more target."""
    path = tmp_path / "decoy" / "out" / "observations.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"decoy": true}')
    return path


def _assert_not_forged(result: GradeResult, found: dict) -> None:
    why = explain(result, found)
    assert result.status in DEFINED_STATUSES, why
    assert not [c for c in EARNED_ONLY_BY_WORK if by_id(result)[c].status is CheckStatus.PASSED], why
    assert result.score <= 1, why  # `runs` at most: the notebook does no work


def test_forged_observations_and_a_killed_harness_give_no_grade(attack, decoy):
    """Forged observations (every automatic point) written wherever the harness might write its
    own, then SIGKILL to every process the kernel can see: pid 1, its parents, the harness."""
    before = fingerprint(decoy)
    result, found, _ = attack.grade([call("forge", attack.forged, [str(decoy)]) + "\nkill_everything()"])
    _assert_not_forged(result, found)
    assert [k for k in found.get("killed", {}).get("killed", []) if k["trusted"]] == [], explain(result, found)
    assert fingerprint(decoy) == before, explain(result, found)


def test_forged_observations_rewritten_after_the_harness_wrote_its_own_give_no_grade(attack, decoy):
    """A detached process rewrites the forged observations every 5 ms, racing the harness's write
    and whatever copies it out afterwards."""
    before = fingerprint(decoy)
    try:
        result, found, _ = attack.grade([call("keep_forging", attack.forged, [str(decoy)])])
    finally:
        kill_marked(attack.marker, attack.comm)
    _assert_not_forged(result, found)
    assert fingerprint(decoy) == before, explain(result, found)


def test_harness_modules_and_python_environment_cannot_be_replaced(attack, decoy):
    """It creates a module beside the harness's (in the directory of grader.harness.__file__, as
    the kernel imports it and as the host has it), opens each harness module for writing, drops a
    .pth into site-packages, and forges the observations."""
    harness = _harness_dir()
    watched = [harness, *_site_packages()]
    before = {str(folder): sorted(p.name for p in folder.iterdir()) for folder in watched}
    modules = fingerprint(harness)
    cells = [call("replace_modules", [str(harness)]), call("forge", attack.forged, [str(decoy)])]
    result, found, _ = attack.grade(cells)
    why = explain(result, found)
    _assert_not_forged(result, found)
    assert "modules" in found and found["modules"]["written"] == [], why
    assert {str(folder): sorted(p.name for p in folder.iterdir()) for folder in watched} == before, why
    assert fingerprint(harness) == modules, why


def test_harness_descriptors_and_memory_are_out_of_reach(attack, decoy):
    """It writes forged observations into every descriptor of every other process it can open
    through /proc/<pid>/fd and opens their /proc/<pid>/mem (ptrace access); the grader's own
    processes (harness, supervisor, entry.sh) must be invisible or refuse."""
    cells = [call("forge", attack.forged, [str(decoy)]), call("write_descriptors", attack.forged)]
    result, found, _ = attack.grade(cells)
    why = explain(result, found)
    _assert_not_forged(result, found)
    assert "descriptors" in found, why
    assert found["descriptors"]["trusted_wrote"] == [] and found["descriptors"]["trusted_memory"] == [], why
