"""The docker sandbox on the real engine, cleaning up and hiding the host: a grader killed with
`kill -9` mid-batch leaves nothing once another grader starts (and a grader that still runs loses
nothing), /dev/shm is small and bounded, /proc/self/mountinfo names no host path of the grading
user, and a missing CPU image is built on first use.

Fixtures (engine, docker_sandbox, grade_docker and the autouse check that no container or sandbox
process is left) come from tests/test_docker_sandbox.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import FIXTURE_COURSE, REPO, TOY_GOOD, make_notebook
from grader.errors import InfrastructureError
from grader.results import CheckStatus, Status
from test_cli import grader as cli
from test_docker_sandbox import TEST_REQUIREMENTS, by_id, docker_sandbox, engine, grade_docker, host_left_clean, outputs  # noqa: F401

pytestmark = pytest.mark.slow


def test_image_tag() -> str:
    from grader.sandbox.images import Recipe

    return Recipe("cpu", TEST_REQUIREMENTS).tag


test_image_tag.__test__ = False  # a helper, not a test


def containers_of(engine, pid: int) -> list:  # noqa: ANN001 - the docker client
    from grader.sandbox.docker import OWNER_LABEL, Owner

    found = engine.containers.list(all=True, filters={"label": OWNER_LABEL})
    return [c for c in found if (Owner.parse(c.labels[OWNER_LABEL]) or Owner("", "", 0, "")).pid == pid]


def folders_of(pid: int) -> list[Path]:
    from grader.sandbox.docker import MountStore, Owner

    prefix = f"{Owner.current().pidns}-{pid}-"
    return [folder for folder in MountStore().run_folders() if folder.name.startswith(prefix)]


def wait_for(condition, *, seconds: float, what: str):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {seconds} s")


# --- a grader killed mid-batch ----------------------------------------------------------------------


def test_a_killed_grader_leaves_nothing_once_another_starts_and_a_running_one_loses_nothing(engine, docker_sandbox,
                                                                                           tmp_path):
    """A real `grader grade --sandbox docker` on a slow notebook is killed with SIGKILL while its
    container runs. Before that, a new DockerSandbox (another grader starting) leaves the running
    grader's container and scratch folder alone; after it, the next `grader grade` removes both."""
    from grader.sandbox import get_sandbox

    legacy_before = set(Path(tempfile.gettempdir()).glob("grader-docker-*"))
    slow = make_notebook(tmp_path / "slow.ipynb", [*TOY_GOOD, *["import time\ntime.sleep(4)"] * 8])
    env = {**os.environ, "GRADER_COURSE": str(FIXTURE_COURSE), "NO_COLOR": "1"}
    victim = subprocess.Popen([sys.executable, "-m", "grader", "grade", "toy", str(slow), "--sandbox", "docker",
                               "--image", test_image_tag(), "--out", str(tmp_path / "out")],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        [container] = wait_for(lambda: [c for c in containers_of(engine, victim.pid) if c.status == "running"],
                               seconds=120, what="running container of the grader")
        [folder] = folders_of(victim.pid)
        assert (folder / "result").is_dir() and (folder / "root" / "job.json").is_file()

        get_sandbox("docker", requirements=TEST_REQUIREMENTS)  # another grader starts: the running one keeps all
        container.reload()
        assert container.status == "running" and folder.is_dir()

        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    container.reload()
    assert container.status == "running" and folder.is_dir()  # what kill -9 leaves behind

    good = make_notebook(tmp_path / "alice.ipynb", TOY_GOOD)
    again = cli("grade", "toy", str(good), "--sandbox", "docker", "--image", test_image_tag(),
                "--out", str(tmp_path / "out"))
    assert again.returncode == 0, again.stderr
    assert containers_of(engine, victim.pid) == [] and not folder.exists() and folders_of(victim.pid) == []
    assert set(Path(tempfile.gettempdir()).glob("grader-docker-*")) <= legacy_before  # nothing in /tmp either


def test_only_containers_and_folders_of_ended_graders_of_this_host_are_removed(engine, docker_sandbox):
    """Owners judged from the label: an ended process (a pid reused by another process counts as
    ended), a running one, and owners of another host or PID namespace (unknowable: kept)."""
    from grader.sandbox.docker import LABEL, OWNER_LABEL, MountStore, Owner, _start_time, reap

    me = Owner.current()
    ended = subprocess.Popen(["true"])
    ended.wait()
    alive = subprocess.Popen(["sleep", "300"])
    try:
        owners = {
            "ended": Owner(me.host, me.pidns, ended.pid, "1"),
            "reused pid": Owner(me.host, me.pidns, alive.pid, "1"),
            "running": Owner(me.host, me.pidns, alive.pid, _start_time(alive.pid)),
            "other host": Owner("elsewhere", me.pidns, ended.pid, "1"),
            "other namespace": Owner(me.host, "1", ended.pid, "1"),
        }
        store = MountStore()
        (store.root / "runs").mkdir(mode=0o700, exist_ok=True)
        containers, folders = {}, {}
        for what, owner in owners.items():
            containers[what] = engine.containers.create(test_image_tag(), ["sleep", "300"], network_mode="none",
                                                        labels={LABEL: "hygiene-test", OWNER_LABEL: str(owner)})
            if what != "other host":  # folders are on this host: their names carry no host
                folders[what] = Path(tempfile.mkdtemp(prefix=owner.folder_prefix, dir=store.root / "runs"))
        containers["running"].start()
        try:
            reap(engine, store, me)
            kept = {what for what, c in containers.items() if engine.containers.list(all=True, filters={"id": c.id})}
            assert kept == {"running", "other host", "other namespace"}
            assert {what for what, folder in folders.items() if folder.exists()} == {"running", "other namespace"}
        finally:
            for container in containers.values():
                try:
                    container.remove(force=True)
                except Exception:  # noqa: BLE001 - already removed by reap
                    pass
            for folder in folders.values():
                if folder.exists():
                    folder.rmdir()
    finally:
        alive.kill()
        alive.wait()


def test_owner_start_time_tells_a_running_process_from_an_ended_one():
    from grader.sandbox.docker import Owner, _start_time

    me = Owner.current()
    assert Owner.parse(str(me)) == me and not me.gone(me)
    assert Owner.from_folder(me.folder_prefix + "abc_123", me.host) == me
    child = subprocess.Popen(["sleep", "30"])
    owner = Owner(me.host, me.pidns, child.pid, _start_time(child.pid))
    assert not owner.gone(me)
    child.kill()
    time.sleep(0.2)
    assert owner.gone(me)  # a zombie not yet waited for holds nothing: ended
    child.wait()
    assert owner.gone(me)
    assert Owner.parse("something else") is None and Owner.from_folder("grader-docker-x1y2", me.host) is None


# --- /dev/shm ---------------------------------------------------------------------------------------


def test_shared_memory_is_small_and_filling_it_fails_in_the_cell_while_grading_goes_on(grade_docker, tmp_path):
    from grader.sandbox.docker import SHM_BYTES

    size = "import os\nshm = os.statvfs('/dev/shm')\nprint('shm_bytes', shm.f_blocks * shm.f_frsize)"
    fill = "f = open('/dev/shm/fill', 'wb')\nfor _ in range(64):\n    f.write(bytes(1024**2))"
    after = "print('shm_file', os.path.getsize('/dev/shm/fill'))"
    result = grade_docker([TOY_GOOD[1], size, fill, after, *TOY_GOOD[2:]], out=tmp_path / "out")
    assert result.status is Status.GRADED, result.message
    assert "No space left on device" in by_id(result)["runs"].message
    assert by_id(result)["scaled"].status is CheckStatus.PASSED  # later cells and the probes still ran
    assert by_id(result)["hidden-accuracy"].status is CheckStatus.PASSED
    printed = outputs(tmp_path / "out")
    assert f"shm_bytes {SHM_BYTES}" in printed
    assert int(printed.split("shm_file ")[1].split()[0]) <= SHM_BYTES


def test_multiprocessing_still_works_with_the_small_shared_memory(grade_docker, tmp_path):
    """Semaphores and queues live in /dev/shm: a pool of workers still runs."""
    pool = ("import multiprocessing as mp\nwith mp.get_context('fork').Pool(2) as pool:\n"
            "    print('pool', sum(pool.map(abs, range(-100, 0))))")
    result = grade_docker([pool], out=tmp_path / "out")
    assert result.status is Status.GRADED, result.message
    assert "pool 5050" in outputs(tmp_path / "out")


# --- /proc/self/mountinfo -----------------------------------------------------------------------------


def test_mountinfo_names_no_host_path_of_the_grading_user(grade_docker, dataset_cache, tmp_path):
    """Every bind mount comes from the neutral store: no home, dataset cache, repository, temporary
    folder (the submission's, the old scratch's) appears, and the grader package, the dataset and
    the result folder are still there."""
    from grader.sandbox.docker import MountStore

    show = "print(open('/proc/self/mountinfo').read())"
    probe = "print('package_ok', __import__('grader').__file__)\nimport numpy as np\nprint('blobs', np.load('data/blobs2d.npz')['x_train'].shape)"
    result = grade_docker([*TOY_GOOD, show, probe], out=tmp_path / "out")
    assert result.status is Status.GRADED and result.score == 12, result.message
    printed = outputs(tmp_path / "out")
    mountinfo = [line for line in printed.splitlines() if re.match(r"\d+ \d+ \d+:\d+ ", line)]
    assert len(mountinfo) > 5
    text = "\n".join(mountinfo)
    store = MountStore().root
    forbidden = {"home": Path.home(), "dataset cache": dataset_cache, "repository": REPO, "submission": tmp_path}
    if not store.is_relative_to(tempfile.gettempdir()):  # the store's fallback is /tmp/grader-mounts-<uid>
        forbidden["temporary folder"] = Path(tempfile.gettempdir())
    for what, path in forbidden.items():
        for variant in {str(path), str(path.resolve())}:
            assert not re.search(re.escape(variant) + r"(/|\s|$)", text), f"mountinfo shows the {what} {variant}"
    assert "grader-docker-" not in text  # the scratch folders of earlier versions
    roots = {line.split()[4]: line.split()[3] for line in mountinfo}
    for mount_point in ("/opt/grader/grader", "/datasets/blobs2d", "/result"):
        assert roots[mount_point].startswith(f"{store}/"), (mount_point, roots[mount_point])
    assert "package_ok /opt/grader/grader/__init__.py" in printed and "blobs (800, 2)" in printed


def test_the_store_reuses_copies_by_content_and_prunes_unused_ones(engine, tmp_path):
    """Copies are made once per content digest; a changed file gets a new copy; copies nobody used
    for a day and no container mounts are removed, the others kept."""
    from grader.sandbox.docker import MountStore

    store = MountStore(tmp_path / "store")
    source = tmp_path / "pkg"
    (source / "sub").mkdir(parents=True)
    (source / "__init__.py").write_text("x = 1\n")
    (source / "sub" / "run.sh").write_text("echo\n")
    os.chmod(source / "sub" / "run.sh", 0o700)
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "a.pyc").write_bytes(b"\0")
    first = store.package(source)
    assert store.package(source) == first
    assert sorted(p.relative_to(first).as_posix() for p in first.rglob("*")) == ["__init__.py", "sub", "sub/run.sh"]
    assert os.stat(first / "sub" / "run.sh").st_mode & 0o777 == 0o755 and os.stat(first).st_mode & 0o777 == 0o755
    (source / "__init__.py").write_text("x = 2\n")
    second = store.package(source)
    assert second != first and (second / "__init__.py").read_text() == "x = 2\n"
    old = time.time() - 2 * MountStore.PRUNE_AFTER
    for entry in (first.parent, second.parent):
        os.utime(entry, (old, old))
    assert store.prune(keep={str(second)}) == [first.parent]
    assert second.is_dir() and not first.exists()


# --- the image built on first use -------------------------------------------------------------------


def test_grading_a_lab_whose_image_is_missing_builds_it_first_with_progress(engine, tmp_path):
    """`grader grade nn-basics x.ipynb --sandbox docker` on a set-up that has only the test image:
    the lab's image is built offline (base and wheelhouse of scripts/docker-setup.sh), progress on
    stderr, then the notebook is graded; the next run just uses the image."""
    from grader.course import load_assignment
    from grader.sandbox.images import Recipe, find_image

    recipe = Recipe("cpu", tuple(load_assignment("nn-basics", root=REPO).spec.requirements))
    assert recipe.tag != test_image_tag()
    if find_image(engine, recipe.tag) is not None:
        engine.images.remove(recipe.tag, force=True)
    env = {key: value for key, value in os.environ.items() if key != "GRADER_COURSE"}
    command = [sys.executable, "-m", "grader", "grade", "nn-basics", str(REPO / "reference_solutions" / "nn-basics.ipynb"),
               "--course", str(REPO), "--sandbox", "docker"]
    first = subprocess.run([*command, "--out", str(tmp_path / "first")], capture_output=True, text=True, env=env,
                           timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"building the docker image {recipe.tag} on first use" in first.stderr
    assert re.search(r"Step \d+/\d+", first.stderr) and f"built {recipe.tag} in " in first.stderr
    assert find_image(engine, recipe.tag) is not None
    second = subprocess.run([*command, "--out", str(tmp_path / "second")], capture_output=True, text=True, env=env,
                            timeout=600)
    assert second.returncode == 0 and "building the docker image" not in second.stderr


def test_without_a_base_image_the_error_names_the_commands(engine, monkeypatch):
    from grader.sandbox import images

    absent = "localhost:1/grader-test-absent:base"  # a registry that refuses at once, like none reachable
    monkeypatch.setattr(images, "LOCAL_BASES", (absent,))
    monkeypatch.setattr(images, "DEFAULT_BASE", absent)
    recipe = images.Recipe("cpu", ("tqdm",))
    said: list[str] = []
    with pytest.raises(InfrastructureError) as raised:
        images.ensure_image(engine, recipe, log=said.append)
    assert said[0] == f"no base image on this machine; pulling {absent}" and said[1].startswith(f"cannot pull {absent}")
    message = str(raised.value)
    assert "scripts/docker-setup.sh" in message and "grader image build --requirement tqdm --base IMAGE" in message
    assert raised.value.exit_code == 4


def test_wheels_that_cannot_be_had_give_the_offline_commands(engine, tmp_path, monkeypatch):
    """pip cannot satisfy the requirements (numpy 0.0.0.0 does not exist): nothing is built and the
    error says how to build the image from a wheelhouse made elsewhere."""
    from grader.sandbox import images

    monkeypatch.setenv("GRADER_IMAGE_CACHE", str(tmp_path / "images"))
    recipe = images.Recipe("cpu", ("numpy==0.0.0.0",))
    with pytest.raises(InfrastructureError) as raised:
        images.ensure_image(engine, recipe, log=lambda line: None)
    message = str(raised.value)
    assert "grader image wheelhouse DIR --requirement numpy==0.0.0.0" in message
    assert re.search(r"grader image build --requirement numpy==0.0.0.0 --base \S+ --wheelhouse DIR", message)
    assert images.find_image(engine, recipe.tag) is None


def test_a_missing_cuda_image_names_the_build_command(engine, toy, tmp_path):
    """A CUDA image is not built behind the user's back (gigabytes, CUDA wheels): the command is named."""
    from grader.overrides import with_overrides
    from grader.pipeline import GradingOptions, grade_notebook
    from grader.sandbox import get_sandbox

    sandbox = get_sandbox("docker", requirements=("tqdm",))
    notebook = make_notebook(tmp_path / "gpu.ipynb", TOY_GOOD)
    with pytest.raises(InfrastructureError, match=r"build it with `grader image build --cuda --requirement tqdm`"):
        grade_notebook(with_overrides(toy, {"gpus": "all"}), notebook, GradingOptions(sandbox=sandbox))
