"""The docker sandbox on the real engine: hardening, limits, datasets, GPU requests, images, the
CLI, and every hostile submission of docs/docker.md, each ending with the right status and a
clear message while the host stays unharmed and grading goes on.

scripts/docker-setup.sh (run by scripts/test.sh) installs and starts the engine and builds the
image these tests grade with. Tests that need the engine skip, saying why, only when no engine
answers; a missing image is a failure, not a skip.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import threading
from pathlib import Path

import psutil
import pytest

from conftest import TOY_GOOD, make_notebook
from grader.errors import ExitCode, InfrastructureError, UsageError
from grader.overrides import with_overrides
from grader.pipeline import GradingOptions, grade_notebook
from grader.results import CheckStatus, Status
from test_cli import grader as cli

pytestmark = pytest.mark.slow

# The image scripts/docker-setup.sh builds (keep the two in step): a CPU torch and keras for the
# dataset loaders, tqdm at the version constraints.txt pins; every toy notebook runs in it too.
TEST_REQUIREMENTS = ("torch==2.13.0", "keras==3.15.1", "tqdm==4.70.1")
SANDBOX_UID = 65534


def by_id(result):
    return {check.id: check for check in result.checks}


def outputs(out: Path) -> str:
    """All text the executed notebook's cells printed."""
    executed = json.loads((out / "executed.ipynb").read_text())
    return "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))


@pytest.fixture(scope="session")
def engine():
    from grader.sandbox.docker import connect

    try:
        return connect()
    except InfrastructureError as exc:
        pytest.skip(f"no Docker engine: {exc}")


@pytest.fixture(scope="session")
def docker_sandbox(engine):
    from grader.sandbox import get_sandbox
    from grader.sandbox.images import Recipe, find_image

    tag = Recipe("cpu", TEST_REQUIREMENTS).tag
    if find_image(engine, tag) is None:
        pytest.fail(f"the engine answers but the test image {tag} is missing: run scripts/docker-setup.sh")
    return get_sandbox("docker", requirements=TEST_REQUIREMENTS)


@pytest.fixture(autouse=True)
def host_left_clean(request):
    """After every test that used the engine: no sandbox container and no sandbox process left."""
    yield
    if "engine" not in request.fixturenames:
        return
    from grader.sandbox.docker import LABEL

    engine = request.getfixturevalue("engine")
    assert engine.containers.list(all=True, filters={"label": LABEL}) == []
    assert [p.info for p in psutil.process_iter(["pid", "name", "uids"]) if p.info["uids"].real == SANDBOX_UID] == []


@pytest.fixture
def grade_docker(toy, docker_sandbox, tmp_path):
    """Grade cells as a `toy` submission in the docker sandbox, with limit overrides if given."""
    def grade(cells, *, out: Path | None = None, **overrides):
        notebook = make_notebook(tmp_path / "submission.ipynb", cells)
        return grade_notebook(with_overrides(toy, overrides), notebook, GradingOptions(sandbox=docker_sandbox, out_dir=out))
    return grade


# --- the happy path and the hardening -----------------------------------------------------------


def test_correct_submission_earns_every_automatic_point(grade_docker, tmp_path):
    result = grade_docker(TOY_GOOD, out=tmp_path / "out")
    assert result.status is Status.GRADED and result.score == 12 and result.passed
    assert result.environment["python"].startswith("3.11") and result.environment["device"] == "cpu"
    assert any(note.startswith("docker sandbox: image grader-runtime:") and note.endswith("no GPU") for note in result.notes)
    assert (tmp_path / "out" / "executed.ipynb").is_file()


HARDENING_PROBE = r"""
import os, resource, socket
print("uid", os.getuid(), os.getgid())
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
print("capeff", status["CapEff"].strip(), "nonewprivs", status["NoNewPrivs"].strip())
print("capsets", *(status[name].strip() for name in ("CapPrm", "CapInh", "CapAmb")))
print("owners", " ".join(f"{p}:{os.stat(p).st_uid}:{os.stat(p).st_mode & 0o777:o}" for p in
      ("/sandbox", "/sandbox/work", "/sandbox/home", "/sandbox/tmp", "/sandbox/kernel", "/sandbox/eval", "/sandbox/out",
       "/sandbox/job.json", "/result")))
print("root_readonly", bool(os.statvfs("/").f_flag & os.ST_RDONLY))
scratch = os.statvfs("/sandbox")
print("scratch_bytes", scratch.f_blocks * scratch.f_frsize)
for name in ("RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_AS", "RLIMIT_CORE"):
    print(name, resource.getrlimit(getattr(resource, name))[0])
for path in ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"):
    if os.path.exists(path):
        print("cgroup_memory", open(path).read().strip())
for path in ("/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max"):
    if os.path.exists(path):
        print("cgroup_pids", open(path).read().strip())
print("interfaces", sorted(name for _, name in socket.if_nameindex()))
print("gpus_hidden", repr(os.environ.get("CUDA_VISIBLE_DEVICES")))
"""


def test_container_is_hardened_and_limited_as_the_spec_says(grade_docker, tmp_path):
    result = grade_docker([HARDENING_PROBE], out=tmp_path / "out", memory="1536MiB", processes=100, open_files=200,
                          file_size="300MiB", disk="400MiB")
    assert result.status is Status.GRADED, result.message
    facts = dict(line.split(" ", 1) for line in outputs(tmp_path / "out").splitlines() if " " in line)
    assert facts["uid"] == f"{SANDBOX_UID} {SANDBOX_UID}"
    assert facts["capeff"] == "0000000000000000 nonewprivs 1"
    assert facts["capsets"] == " ".join(["0000000000000000"] * 3)
    # the kernel's folders are its own; the sandbox root and eval/ root's and readable, the rest root's alone
    assert facts["owners"].split() == [
        "/sandbox:0:755", f"/sandbox/work:{SANDBOX_UID}:755", f"/sandbox/home:{SANDBOX_UID}:755",
        f"/sandbox/tmp:{SANDBOX_UID}:755", f"/sandbox/kernel:{SANDBOX_UID}:755", "/sandbox/eval:0:755",
        "/sandbox/out:0:700", "/sandbox/job.json:0:600", f"/result:{os.getuid()}:700"]
    assert facts["root_readonly"] == "True"
    assert int(facts["scratch_bytes"]) == 400 * 1024**2
    assert facts["RLIMIT_NOFILE"] == "200" and facts["RLIMIT_FSIZE"] == str(300 * 1024**2)
    assert facts["RLIMIT_AS"] == str(1536 * 1024**2) and facts["RLIMIT_CORE"] == "0"
    assert facts["cgroup_memory"] == str(1536 * 1024**2) and facts["cgroup_pids"] == "100"
    assert facts["interfaces"] == "['lo']"
    assert facts["gpus_hidden"] == "''"


def test_public_dataset_files_are_mounted_where_keras_and_torchvision_look(toy, docker_sandbox, tmp_path, dataset_cache):
    """keras.datasets.mnist.load_data() runs for real (no network, read-only files); torchvision
    is not installable with CPU torch here, so its contract is checked: the four raw IDX files
    under <root>/MNIST/raw, which is all MNIST(root, download=True) needs to skip downloading."""
    spec = toy.spec.model_copy(update={
        "datasets": ["blobs2d", "mnist"],
        "limits": toy.spec.limits.model_copy(update={"cell_timeout": 120, "total_timeout": 240}),
        "resources": toy.spec.resources.model_copy(update={"memory": 4 * 1024**3})})
    cells = ["import os\nos.environ['KERAS_BACKEND'] = 'torch'\nimport keras\n"
             "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n"
             "print('keras', x_train.shape, y_test.shape)",
             "import numpy as np\nfor name, magic in [('train-images-idx3-ubyte', 2051), ('t10k-labels-idx1-ubyte', 2049)]:\n"
             "    header = np.frombuffer(open(os.path.join('data', 'MNIST', 'raw', name), 'rb').read(8), '>i4')\n"
             "    print(name, header[0] == magic, header[1])",
             "try:\n    open(os.path.expanduser('~/.keras/datasets/mnist.npz'), 'ab')\nexcept OSError as exc:\n"
             "    print('cache write:', exc.strerror)"]
    notebook = make_notebook(tmp_path / "loaders.ipynb", cells)
    result = grade_notebook(dataclasses.replace(toy, spec=spec), notebook,
                            GradingOptions(sandbox=docker_sandbox, out_dir=tmp_path / "out"))
    assert result.status is Status.GRADED, result.message
    printed = outputs(tmp_path / "out")
    assert "keras (12000, 28, 28) (10000,)" in printed  # the test split has MNIST's real size (docs/datasets.md)
    assert "train-images-idx3-ubyte True 12000" in printed and "t10k-labels-idx1-ubyte True 10000" in printed
    assert "cache write: " in printed  # refused: read-only mount (and not the sandbox user's file)


# --- hostile submissions (the table in docs/docker.md) ---------------------------------------------


def test_infinite_loop_is_interrupted_and_grading_continues(grade_docker):
    cells = list(TOY_GOOD)
    cells.insert(2, "while True:\n    pass")
    result = grade_docker(cells)
    assert result.status is Status.GRADED
    assert "budget of 5 CPU seconds" in by_id(result)["runs"].message
    assert by_id(result)["hidden-accuracy"].status is CheckStatus.PASSED


@pytest.mark.serial  # counts the host's processes: nothing else may start any beside it
def test_fork_bomb_is_held_by_the_process_limit(grade_docker):
    host_processes = len(psutil.pids())
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    result = grade_docker([TOY_GOOD[1], bomb, TOY_GOOD[2]], processes=64)
    assert result.status is Status.TIMEOUT
    assert "went on after the interrupt" in result.message
    assert by_id(result)["runs"].status is CheckStatus.PARTIAL
    assert len(psutil.pids()) < host_processes + 20


def test_memory_bomb_is_a_memory_error_in_its_cell(grade_docker):
    result = grade_docker([TOY_GOOD[1], "hog = bytearray(8 * 1024**3)", TOY_GOOD[2]])
    assert result.status is Status.GRADED
    assert "MemoryError" in by_id(result)["runs"].message
    assert by_id(result)["scaled"].status is CheckStatus.PASSED


def test_memory_spread_over_processes_meets_the_container_limit(grade_docker):
    """Each child stays under the per-process address-space limit; together they pass the
    container's memory limit, and the out-of-memory killer stops one. The result says so."""
    spread = ("import subprocess, sys\nhogs = [subprocess.Popen([sys.executable, '-c', "
              "'import time; b = bytearray(900 * 1024**2); time.sleep(2)']) for _ in range(3)]\n"
              "print([h.wait() for h in hogs])")
    result = grade_docker([TOY_GOOD[1], spread, TOY_GOOD[2]], memory="2GiB")
    assert result.status is Status.GRADED
    assert any("reached its memory limit of 2 GiB" in note for note in result.notes)
    assert by_id(result)["scaled"].status is CheckStatus.PASSED


def test_five_gigabyte_file_fills_only_the_scratch(grade_docker, tmp_path):
    writer = "f = open('big.bin', 'wb')\nfor _ in range(5 * 1024):\n    f.write(bytes(1024**2))"
    where = "import os\nprint('written', os.path.getsize('big.bin'), 'on', open('/proc/mounts').read().count('/sandbox tmpfs'))"
    result = grade_docker([TOY_GOOD[1], writer, TOY_GOOD[2], where], out=tmp_path / "out", disk="512MiB")
    assert result.status is Status.GRADED
    assert "No space left on device" in by_id(result)["runs"].message
    assert by_id(result)["scaled"].status is CheckStatus.PASSED  # later cells and the probes still ran
    written = outputs(tmp_path / "out").split("written ")[1].split()
    assert int(written[0]) <= 512 * 1024**2 and written[2] == "1"  # in the scratch tmpfs, not on a host disk


def test_gigabyte_of_output_is_dropped_and_grading_goes_on(grade_docker, tmp_path):
    """The harness keeps resources.output per cell; the rest never reaches the host. (In the
    container the kernel's own output thread usually fails first, with a MemoryError under the
    address-space limit, and drops the flood itself.)"""
    flood = "line = 'x' * 1024**2\nfor _ in range(1024):\n    print(line)"
    result = grade_docker([*TOY_GOOD, flood], out=tmp_path / "out")
    assert result.status is Status.GRADED and by_id(result)["report"].status is CheckStatus.PASSED
    assert by_id(result)["hidden-accuracy"].status is CheckStatus.PASSED
    assert (tmp_path / "out" / "executed.ipynb").stat().st_size < 1_000_000


@pytest.fixture
def listener():
    """A TCP server on every address of this machine, recording whoever connects."""
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.5)
    accepted: list = []

    def serve():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[1])
            except OSError:
                pass

    stop = threading.Event()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def test_network_connections_fail_even_to_this_machine(grade_docker, listener, tmp_path):
    port, accepted = listener
    addresses = sorted({a.address for nics in psutil.net_if_addrs().values() for a in nics if a.family == socket.AF_INET})
    connect = (f"import socket\nfor host in {addresses!r}:\n    try:\n        socket.create_connection((host, {port}), timeout=3)\n"
               "        print(host, 'CONNECTED')\n    except OSError as exc:\n        print(host, 'refused:', exc.strerror)")
    result = grade_docker([connect], out=tmp_path / "out")
    assert result.status is Status.GRADED
    printed = outputs(tmp_path / "out")
    assert "127.0.0.1" in addresses and "CONNECTED" not in printed
    assert printed.count("refused:") == len(addresses)
    assert accepted == []


def test_hidden_labels_and_evaluation_inputs_are_out_of_reach(grade_docker, dataset_cache, tmp_path):
    hidden = dataset_cache / "hidden" / "blobs2d" / "hidden.npz"
    assert hidden.is_file()
    snoop = (f"import glob, os\nfor path in [{str(hidden)!r}, '../eval/hidden.npy', '../eval/public.npy']:\n"
             "    print(path, os.path.exists(path))\n"
             "print('eval', os.listdir('../eval'), 'datasets', os.listdir('/datasets/blobs2d'))\n"
             "print('found', [p for top in ('/sandbox', '/datasets', '/opt/grader', '/result') for p in glob.glob(top + '/**/hidden*', recursive=True)])")
    result = grade_docker([*TOY_GOOD, snoop], out=tmp_path / "out")
    printed = outputs(tmp_path / "out")
    assert f"{hidden} False" in printed and "../eval/hidden.npy False" in printed and "../eval/public.npy False" in printed
    assert "eval [] datasets ['blobs2d.npz']" in printed and "found []" in printed
    assert by_id(result)["hidden-accuracy"].status is CheckStatus.PASSED  # the probes still got the inputs


def test_writes_outside_the_scratch_fail(grade_docker, tmp_path):
    import grader

    package = Path(grader.__file__).resolve().parent
    before = sorted(p.name for p in package.iterdir())
    targets = ["/etc/evil", "/opt/grader/grader/evil.py", "/datasets/blobs2d/evil", "/result/evil", "/evil",
               "../../../../../../tmp/evil", "/opt/venv/evil"]
    writer = (f"for path in {targets!r}:\n    try:\n        open(path, 'a').write('x')\n        print(path, 'WRITTEN')\n"
              "    except OSError as exc:\n        print(path, 'denied:', exc.strerror)")
    result = grade_docker([*TOY_GOOD, writer], out=tmp_path / "out")
    printed = outputs(tmp_path / "out")
    assert result.status is Status.GRADED and "WRITTEN" not in printed
    assert printed.count("denied: Read-only file system") == len(targets) - 1
    assert "/result/evil denied: Permission denied" in printed
    assert sorted(p.name for p in package.iterdir()) == before


@pytest.mark.parametrize("killer", ["import os\nos._exit(1)", "import ctypes\nctypes.string_at(0)"],
                         ids=["os._exit", "segfault"])
def test_kernel_death_ends_as_crashed_with_the_cell_named(grade_docker, killer):
    result = grade_docker([TOY_GOOD[1], killer, TOY_GOOD[2]])
    assert result.status is Status.CRASHED
    assert "kernel died while running cell 2" in result.message
    assert by_id(result)["runs"].status is CheckStatus.PARTIAL


def test_child_process_that_outlives_the_kernel_dies_with_the_container(grade_docker):
    spawn = "import subprocess\nsubprocess.Popen(['sleep', '4711'], start_new_session=True)"
    result = grade_docker([*TOY_GOOD, spawn])
    assert result.status is Status.GRADED
    assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "4711"]]


def test_computing_past_the_total_budget_is_a_timeout(grade_docker):
    work = "import time\nstarted = time.process_time()\nwhile time.process_time() - started < 2:\n    pass"
    result = grade_docker([TOY_GOOD[1], work, work, work, "after = 1"], cell_timeout=4, total_timeout=5)
    assert result.status is Status.TIMEOUT
    assert "total budget of 5 s of computing" in result.message
    assert by_id(result)["square"].status is CheckStatus.PASSED


def test_notebook_that_removes_the_probe_module_fails_only_the_probed_checks(grade_docker):
    result = grade_docker([*TOY_GOOD, "import sys\nsys.modules['grader.probe.runtime'] = None"])
    checks = by_id(result)
    assert result.status is Status.GRADED
    assert checks["runs"].status is CheckStatus.PASSED and checks["report"].status is CheckStatus.PASSED
    assert checks["square"].status is CheckStatus.FAILED and "the check could not run" in checks["square"].message


def test_submission_named_with_path_traversal_stays_in_its_folder(docker_sandbox, toy, tmp_path):
    from grader.batch.executors import ThreadExecutor
    from grader.batch.recorded import grade_recorded_submissions, record_intake
    from grader.gradebook.store import Gradebook
    from grader.intake.collect import take_in
    from grader.pipeline import GradingOptions

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    make_notebook(inbox / "..\\..\\escape.ipynb", TOY_GOOD)
    make_notebook(inbox / "...ipynb", TOY_GOOD)
    with Gradebook.open(tmp_path / "out" / "gradebook.sqlite") as book:
        submissions = record_intake(book, toy, take_in([inbox]))
        outcome = grade_recorded_submissions(book, toy, submissions, executor=ThreadExecutor(docker_sandbox, 2),
                                             out=tmp_path / "out" / "toy", grading=GradingOptions(sandbox=docker_sandbox))
    assert [r.status for r in outcome.results.values()] == [Status.GRADED, Status.GRADED]
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("grade.json"))
    assert len(written) == 2 and all(p.parts[:2] == ("out", "toy") and len(p.parts) == 4 for p in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inbox", "out"]


# --- results the kernel cannot forge (issue 14) -----------------------------------------------------
#
# entry.sh, the supervisor and the harness run as root in the container (five capabilities, no new
# privileges); the kernel as SANDBOX_UID without any. A notebook tries everything a student who wants
# a better grade would: the forged observations are those of an honest run (every automatic point).

FORGER = r"""
import glob, json, os, signal
import grader.harness
FORGED = __FORGED__
me = os.getpid()
found = {"forged": {}, "planted": {}, "harness_dir": {}, "processes": {}, "fds": {}, "secrets": {}, "kills": {}}

def attempt(section, key, action):
    try:
        action()
        found[section][key] = "DONE"
    except OSError as exc:
        found[section][key] = exc.strerror

def write(path, text=FORGED, mode="w"):
    with open(path, mode) as handle:
        handle.write(text)

# 1. forged observations where the harness's output goes, and in every observations.json it can find
targets = {"/result/observations.json", "/result/executed.ipynb", "/result/new.json", "/sandbox/out/observations.json",
           "/sandbox/observations.json", "/sandbox/job.json"}
for top in ("/sandbox", "/result", "/tmp", "/opt/grader", "/datasets", "/home", "/root", "/var"):
    targets.update(glob.glob(top + "/**/observations.json", recursive=True))
for path in sorted(targets):
    attempt("forged", path, lambda: write(path))
for folder in ("/sandbox/work", "/sandbox/home", "/sandbox/tmp", "/sandbox/kernel"):  # its own: allowed, never read
    attempt("planted", folder, lambda: write(os.path.join(folder, "observations.json")))
# 2. replace the harness's modules (the directory of grader.harness.__file__)
harness = os.path.dirname(grader.harness.__file__)
attempt("harness_dir", "new module", lambda: write(os.path.join(harness, "evil.py"), "raise SystemExit"))
attempt("harness_dir", "append __main__", lambda: write(os.path.join(harness, "__main__.py"), "\nraise SystemExit", "a"))
attempt("harness_dir", "unlink __main__", lambda: os.unlink(os.path.join(harness, "__main__.py")))
attempt("harness_dir", "rename folder", lambda: os.rename(harness, harness + "-gone"))
# 3. what the other processes are, and their descriptors, environment and memory through /proc
others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me)
for pid in others:
    try:
        status = dict(l.split(":\t", 1) for l in open(f"/proc/{pid}/status").read().splitlines() if ":\t" in l)
        command = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode().strip()
    except OSError:
        continue
    found["processes"][pid] = {"uid": status["Uid"].split()[0], "command": command}
    attempt("secrets", f"{pid} environ", lambda: open(f"/proc/{pid}/environ", "rb").read())
    attempt("secrets", f"{pid} mem", lambda: open(f"/proc/{pid}/mem", "rb").close())
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError as exc:
        found["fds"][f"{pid} list"] = exc.strerror
        descriptors = [str(n) for n in range(64)]  # guess the usual ones anyway
    for fd in descriptors:
        attempt("fds", f"{pid}/{fd}", lambda: write(f"/proc/{pid}/fd/{fd}"))
attempt("secrets", "job.json", lambda: open("/sandbox/job.json").read())
attempt("secrets", "out/", lambda: os.listdir("/sandbox/out"))
# 4. kill every process it can see (itself last, if asked to)
for pid in others:
    attempt("kills", str(pid), lambda: os.kill(pid, signal.SIGKILL))
print("FORGER " + json.dumps(found), flush=True)
if KILL_ALL:  # kill(-1) signals every process it may but itself: here, none; then itself
    os.kill(-1, signal.SIGKILL)
    os.kill(me, signal.SIGKILL)
"""


@pytest.fixture(scope="module")
def forged_observations(docker_sandbox, toy, tmp_path_factory):
    """What the harness writes for the honest submission: every automatic point if the host took it."""
    from grader.pipeline import grade_notebook_with_observations

    folder = tmp_path_factory.mktemp("honest")
    graded = grade_notebook_with_observations(toy, make_notebook(folder / "honest.ipynb", TOY_GOOD), GradingOptions(sandbox=docker_sandbox))
    assert graded.result.status is Status.GRADED and graded.result.score == 12, graded.result.message
    return graded.observations


def forger_report(out: Path) -> dict:
    [line] = [line for line in outputs(out).splitlines() if line.startswith("FORGER ")]
    return json.loads(line.removeprefix("FORGER "))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_kernel_cannot_forge_results_kill_or_reach_the_harness(grade_docker, docker_sandbox, forged_observations,
                                                               tmp_path):
    """The notebook does none of the work: its honest grade is at most the `runs` point. It
    forges, replaces modules, writes to every descriptor and kills every process but itself; all
    of it fails on the trusted processes, the harness reports, and the grade is the honest one."""
    mounted = docker_sandbox.package  # the copy of the grader package that the container mounts
    package = _files(mounted)
    cell = FORGER.replace("__FORGED__", repr(forged_observations)).replace("KILL_ALL", "False")
    result = grade_docker([cell], out=tmp_path / "out", cell_timeout=20)
    found = forger_report(tmp_path / "out")
    why = json.dumps({**found, "fds": {k: v for k, v in found["fds"].items() if v != "Permission denied"}}, indent=1)[:8000]
    # it defines functions of its own but none of the lab's names: graded, or triaged needs-review
    assert result.status in (Status.GRADED, Status.NEEDS_REVIEW), result.message
    assert result.score <= 1 and by_id(result)["hidden-accuracy"].status is not CheckStatus.PASSED, why
    # who runs what: the trusted processes are root's and visible, the kernel alone is SANDBOX_UID
    commands = [p["command"].split(" -- ")[0] for p in found["processes"].values()]
    for trusted in ("/sbin/docker-init", "sh /opt/grader/grader/sandbox/images/entry.sh",
                    "python -P -m grader.sandbox.supervise", "python -P -m grader.harness"):
        assert len([c for c in commands if c.startswith(trusted)]) == 1, why
    assert {p["uid"] for p in found["processes"].values()} == {"0"}, why  # all root's; no other kernel process
    # nothing the kernel tried on them worked
    assert not [k for k, v in found["forged"].items() if v == "DONE"], why
    assert found["forged"]["/result/observations.json"] == "Permission denied", why
    assert found["forged"]["/sandbox/out/observations.json"] == "Permission denied", why
    assert set(found["planted"].values()) == {"DONE"}, why  # its own folders: written, and never read
    assert set(found["harness_dir"].values()) <= {"Read-only file system", "Permission denied"}, why
    assert set(found["kills"].values()) == {"Operation not permitted"}, why
    assert not [k for k, v in found["fds"].items() if v == "DONE"], why
    assert all(found["fds"][f"{pid} list"] == "Permission denied" for pid in found["processes"]), why
    assert not [k for k, v in found["secrets"].items() if v == "DONE"], why
    assert _files(mounted) == package


def test_kernel_that_kills_everything_it_can_ends_crashed_never_forged(grade_docker, forged_observations, tmp_path):
    """The same, then kill(-1, SIGKILL) and SIGKILL to itself: the kernel dies, alone; the harness
    reports that, and no check that needs the kernel's work passes (the forged file had them all)."""
    cell = FORGER.replace("__FORGED__", repr(forged_observations)).replace("KILL_ALL", "True")
    result = grade_docker([TOY_GOOD[1], cell], out=tmp_path / "out", cell_timeout=20)
    assert result.status is Status.CRASHED, result.message
    assert "kernel died while running cell 2" in result.message
    assert [c.id for c in result.checks if c.status is CheckStatus.PASSED] == [] and result.score <= 1


def test_harness_that_dies_without_writing_gives_crashed_never_a_grade(grade_docker, monkeypatch, tmp_path):
    """A harness killed before it writes (here the kernel's launch prefix kills it, after putting
    forged observations in every folder the kernel may write) leaves /result empty: `crashed`."""
    import grader.sandbox.docker as backend

    forge = ("for d in work home tmp kernel; do echo '{\"schema\": 1, \"status\": \"completed\"}' "
             "> /sandbox/$d/observations.json; done; kill -9 $PPID")
    monkeypatch.setattr(backend, "kernel_command", lambda resources, gpus: ["/bin/sh", "-c", forge, "--"])
    result = grade_docker(TOY_GOOD, out=tmp_path / "out")
    assert result.status is Status.CRASHED, result.message
    assert result.score == 0 and "sandbox exited with status" in result.message


# --- GPUs, images, the CLI, a missing SDK ---------------------------------------------------------


@pytest.mark.parametrize("gpus, expected", [
    ("all", {"Count": -1}),
    ("2", {"Count": 2}),
    ("0,1", {"DeviceIDs": ["0", "1"]}),
    ("device=0", {"DeviceIDs": ["0"]}),
    ("GPU-8f2b6a1c-0d4e-4c1e-9a57-3b1f0e9d2c44", {"DeviceIDs": ["GPU-8f2b6a1c-0d4e-4c1e-9a57-3b1f0e9d2c44"]}),
])
def test_gpus_become_device_requests_like_docker_run_gpus(gpus, expected):
    pytest.importorskip("docker")
    from grader.sandbox.docker import device_requests

    [request] = device_requests(gpus)
    assert request["Capabilities"] == [["gpu"]] and request["Driver"] == ""
    assert {key: request[key] for key in expected} == expected


@pytest.mark.parametrize("gpus", ["0", "-1", "some", "0;1", "device="])
def test_bad_gpu_values_are_usage_errors(gpus):
    pytest.importorskip("docker")
    from grader.sandbox.docker import device_requests

    with pytest.raises(UsageError, match="--gpus"):
        device_requests(gpus)
    assert device_requests(None) == []


def test_image_tags_follow_version_flavor_and_requirements_not_the_base(engine):
    from grader import __version__
    from grader.sandbox.images import Recipe, build_image, find_image

    tag = Recipe("cpu", TEST_REQUIREMENTS).tag
    assert tag.startswith(f"grader-runtime:{__version__}-cpu-")
    assert Recipe("cpu", tuple(reversed(TEST_REQUIREMENTS))).tag == tag
    assert len({tag, Recipe("cuda", TEST_REQUIREMENTS).tag, Recipe("cpu", TEST_REQUIREMENTS[:1]).tag}) == 3
    base = engine.images.get(tag).labels["org.grader.base"]
    assert find_image(engine, tag, base=base) is not None and find_image(engine, tag, base="other:base") is None
    reused = build_image(engine, Recipe("cpu", TEST_REQUIREMENTS), base=base)
    assert reused.reused and reused.tag == tag and reused.seconds < 5


def test_cli_grades_in_docker_with_limit_overrides(engine, docker_sandbox, tmp_path):
    from grader.sandbox.images import Recipe

    notebook = make_notebook(tmp_path / "alice.ipynb", TOY_GOOD)
    done = cli("grade", "toy", str(notebook), "--sandbox", "docker", "--image", Recipe("cpu", TEST_REQUIREMENTS).tag,
                  "--memory", "1GiB", "--timeout", "30", "--limit", "disk=256MiB", "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["status"] == "graded"
    assert "no GPU" in " ".join(json.loads((tmp_path / "out" / "alice" / "grade.json").read_text())["notes"])


def test_cli_engine_problems_exit_4_and_usage_problems_exit_2(engine, tmp_path):
    notebook = make_notebook(tmp_path / "alice.ipynb", TOY_GOOD)
    missing = cli("grade", "toy", str(notebook), "--sandbox", "docker", "--image", "grader-runtime:absent",
                     "--out", str(tmp_path / "o1"))
    assert missing.returncode == ExitCode.INFRASTRUCTURE and "grader image build" in missing.stderr
    no_gpu_runtime = cli("grade", "toy", str(notebook), "--sandbox", "docker", "--gpus", "all",
                            "--out", str(tmp_path / "o2"))
    assert no_gpu_runtime.returncode == ExitCode.INFRASTRUCTURE
    assert "--cuda" in no_gpu_runtime.stderr or "NVIDIA container toolkit" in no_gpu_runtime.stderr
    bad = cli("grade", "toy", str(notebook), "--sandbox", "docker", "--limit", "colour=blue")
    assert bad.returncode == ExitCode.USAGE and "unknown limit colour" in bad.stderr
    local_gpus = cli("grade", "toy", str(notebook), "--gpus", "all")
    assert local_gpus.returncode == ExitCode.USAGE and "need --sandbox docker" in local_gpus.stderr


def test_gpu_request_without_an_nvidia_runtime_is_an_infrastructure_error(engine, toy, tmp_path):
    from grader.sandbox import get_sandbox
    from grader.sandbox.images import Recipe

    sandbox = get_sandbox("docker", image=Recipe("cpu", TEST_REQUIREMENTS).tag)
    notebook = make_notebook(tmp_path / "gpu.ipynb", TOY_GOOD)
    with pytest.raises(InfrastructureError, match="NVIDIA container toolkit"):
        grade_notebook(with_overrides(toy, {"gpus": "all"}), notebook, GradingOptions(sandbox=sandbox))


def test_missing_docker_sdk_is_an_infrastructure_error_and_local_still_works(monkeypatch):
    from grader.sandbox import available_sandboxes, get_sandbox

    monkeypatch.setitem(__import__("sys").modules, "docker", None)
    with pytest.raises(InfrastructureError, match=r"pip install 'grader\[docker\]'") as raised:
        get_sandbox("docker")
    assert raised.value.exit_code == ExitCode.INFRASTRUCTURE
    assert {"docker", "local"} <= set(available_sandboxes())
    assert get_sandbox("local").name == "namespaces"  # the former name of the default backend


def test_how_a_container_ended_becomes_status_and_notes():
    from grader.sandbox.docker import _ending
    from grader.spec.assignment import Resources

    resources = Resources(memory="2GiB")
    assert _ending(0, False, False, resources) == (None, False, [])
    assert _ending(None, True, False, resources)[:2] == ("the sandbox did not finish in time and was killed", True)
    assert _ending(124, False, False, resources)[1] is True
    killed, timed_out, notes = _ending(137, False, True, resources)
    assert "ran out of memory (limit 2 GiB)" in killed and not timed_out and "memory limit of 2 GiB" in notes[0]
