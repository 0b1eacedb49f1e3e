"""The `docker` backend: every submission in its own hardened container, for instructors grading
untrusted code. See docs/docker.md for what each limit does and how hostile notebooks end.

The container has no network, a read-only root filesystem, no-new-privileges, and cgroup limits
on memory (swap included), CPUs and processes, with rlimits on open files and file size. Two users
share it: entry.sh, the supervisor and the harness (trusted) run as root with every capability
dropped but the five HARNESS_CAPABILITIES; the kernel (untrusted) is started by the harness
through grader.sandbox.launch (job.kernel_command), which sets its address-space limit and drops
it to SANDBOX_USER with no capabilities, so it cannot signal, trace or write to the others. Its
only writable places are its own folders in /sandbox, a size-limited tmpfs (so a notebook cannot
fill the host's disk; it counts toward the memory limit). The job arrives as a tar on stdin rather
than through a mount, so nothing the host sends (evaluation inputs above all) stays reachable
beyond where the harness keeps it. The harness's two output files come back through files the host
pre-creates in a bind-mounted folder only root in the container may open (0700, files 0600).
Datasets' public files are mounted read-only; hidden splits never are. The Docker SDK is
imported only when this backend is used, so the local backend never needs it.

What the container mounts comes from a neutral store (MountStore, `/var/cache/grader/mounts` by
default), never from where it lives on the host: the grader package and each dataset's public
files are copied there once per content digest, and each run's scratch folder is made there, so
/proc/self/mountinfo names no home, course, repository, dataset cache or temporary folder.
Containers carry their grader process's identity (Owner) and scratch folders are named after it:
every new DockerSandbox removes what a grader killed mid-batch left, and nothing of a grader that
still runs.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import io
import os
import re
import shutil
import socket
import stat
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import grader
from grader.errors import InfrastructureError
from grader.harness.progress import Phase, RunProgress
from grader.sandbox.base import Sandbox, SandboxRequest, SandboxResult
from grader.sandbox.common import LOG_TAIL_BYTES, sandbox_environment
from grader.sandbox.images import Recipe, build_command, ensure_image, find_image, image_cache
from grader.sandbox.limits import limit_arguments
from grader.sandbox.staging import stage
from grader.sandbox.supervise import WALL_CLOCK_EXIT
from grader.spec.assignment import Resources
from grader.spec.gpus import parse_gpus

SANDBOX_ROOT = PurePosixPath("/sandbox")      # the size-limited scratch tmpfs; the job's root
PACKAGE_PARENT = PurePosixPath("/opt/grader")  # the host's grader package is mounted below it
RESULT_DIR = PurePosixPath("/result")          # the two pre-created output files
DATASETS_DIR = PurePosixPath("/datasets")      # each dataset's public folder, read-only
VENV_BIN = "/opt/venv/bin"                     # where the runtime images install Python packages
OUTPUT_FILES = ("observations.json", "executed.ipynb")
OUTPUT_ROOM = 256 * 1024**2                    # tmpfs for the harness's outputs (capped at 32 + 64 MiB)
KERNEL_ROOM = 32 * 1024**2                     # tmpfs for the kernel's sockets and probe results (8 MiB each at most)
SANDBOX_USER = 65534                           # the kernel's user, nobody:nogroup; never root, never a host login
# What entry.sh, the supervisor and the harness keep of root's capabilities in the container: CHOWN
# to give the kernel its folders, SETUID/SETGID for the launcher's switch to SANDBOX_USER, KILL to
# stop the kernel's processes, DAC_OVERRIDE to reach the kernel's sockets and results in its folders
# and the host's /result files. The kernel has none of them (it changes uid without keeping any).
HARNESS_CAPABILITIES = ("CHOWN", "DAC_OVERRIDE", "KILL", "SETGID", "SETUID")
LOG_MAX_SIZE = "1m"                            # the engine keeps at most this much container output
GRACE_SECONDS = 15
SETUP_FAILED_EXIT = 70                         # entry.sh could not unpack the job or set its limit
LABEL = "org.grader.sandbox"
OWNER_LABEL = "org.grader.owner"               # the grader process that created the container (Owner)
# /dev/shm, a tmpfs outside the scratch: enough for multiprocessing's semaphores and PyTorch
# DataLoader workers passing batches (4 CIFAR-10 batches of 128 in flight take 6 MiB), small beside
# resources.disk; like the scratch it is memory and counts toward the container's memory limit.
SHM_BYTES = 16 * 1024**2


def connect() -> Any:
    """A Docker client for the engine in the environment (DOCKER_HOST or the local socket)."""
    try:
        import docker
    except ImportError:
        raise InfrastructureError("the docker sandbox needs the Docker SDK for Python: "
                                  "pip install 'grader[docker]'") from None
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise InfrastructureError(f"cannot reach the Docker engine ({exc}); start it (scripts/docker-setup.sh "
                                  "installs and starts one) or set DOCKER_HOST; see docs/docker.md") from None
    return client


def device_requests(gpus: str | None) -> list[Any]:
    """The GPUs asked for (`all`, a count or device ids: grader.spec.gpus reads them) as the device
    requests `docker run --gpus` sends; the NVIDIA runtime satisfies them."""
    wanted = parse_gpus(gpus)
    if wanted is None:
        return []
    from docker.types import DeviceRequest

    if wanted.devices:
        return [DeviceRequest(device_ids=list(wanted.devices), capabilities=[["gpu"]])]
    return [DeviceRequest(count=wanted.count, capabilities=[["gpu"]])]


class DockerSandbox(Sandbox):
    """image: a tag to use as is; otherwise the runtime image for `requirements` (the assignment's),
    CUDA flavor when the request asks for GPUs, built on first use if it is a missing CPU image.
    log: where progress goes (image builds, clean-up), stderr by default. Starting one removes
    what graders killed mid-batch left (reap)."""

    name = "docker"

    def __init__(self, *, image: str | None = None, requirements: Sequence[str] = (),
                 log: Callable[[str], None] | None = None) -> None:
        self.client = connect()
        self.image = image
        self.requirements = tuple(requirements)
        self.log = log or _to_stderr
        self.store = MountStore()
        self._present: set[str] = set()
        self._digests: dict[tuple[str, int, int], str] = {}
        self._image_lock = threading.Lock()
        self._clean_up_after_ended_graders()
        self.package = self.store.package(Path(grader.__file__).resolve().parent)

    def _clean_up_after_ended_graders(self) -> None:
        """What graders killed mid-batch left (see reap); a failure here never stops grading."""
        import docker.errors

        try:
            removed = reap(self.client, self.store, Owner.current())
        except (docker.errors.DockerException, OSError) as exc:
            self.log(f"could not clean up after interrupted graders: {exc}")
            return
        containers = sum(what.startswith("container") for what in removed)
        if removed:
            self.log(f"removed what ended graders left: {containers} container(s), "
                     f"{len(removed) - containers} folder(s)")

    def run(self, request: SandboxRequest) -> SandboxResult:
        started = time.monotonic()
        image = self._image_for(request)
        requests = device_requests(request.resources.gpus)
        self.store.touch(self.package.parent)
        owner = Owner.current()  # per run: the sandbox may have been handed to another process
        with self.store.run_folder(owner) as host:
            payload, dataset_mounts = self._stage(request, host / "root")
            result_dir = _result_files(host / "result")
            container = self._create(image, request, requests, dataset_mounts, result_dir, owner)
            if request.progress:  # out/ stays in the container until the end: no cell to follow, only the clock
                request.progress(RunProgress(Phase.STARTED))
            try:
                status, timed_out = _run(container, payload, timeout=request.wall_timeout + GRACE_SECONDS,
                                         gpus=bool(requests))
                container.reload()
                out_of_memory = bool(container.attrs["State"].get("OOMKilled"))
                log_tail = container.logs(tail=2000)[-LOG_TAIL_BYTES:].decode("utf-8", errors="replace")
            finally:
                container.remove(force=True)
            killed, timed_out, notes = _ending(status, timed_out, out_of_memory, request.resources)
            gpus = f"GPUs requested: {request.resources.gpus}" if requests else "no GPU"
            result = SandboxResult.from_outdir(result_dir, observations_cap=request.job.observations_cap,
                                               killed=killed, timed_out=timed_out, log_tail=log_tail,
                                               notes=[f"docker sandbox: image {image}, {gpus}", *notes],
                                               seconds=time.monotonic() - started)
        # entry.sh leaves a file the harness did not write empty: that is "no output", not an empty notebook
        result.executed_notebook = result.executed_notebook or None
        return result

    def _image_for(self, request: SandboxRequest) -> str:
        """The image to run: the one named, which must exist, or the runtime image of the
        assignment's requirements: a CPU image is built on first use (offline, from a local
        wheelhouse: images.ensure_image); a missing CUDA image is an error naming the command."""
        cuda = bool(request.resources.gpus)
        recipe = Recipe("cuda" if cuda else "cpu", self.requirements)
        tag = self.image or recipe.tag
        with self._image_lock:  # batch workers share this sandbox: one build, the others wait for it
            if tag not in self._present:
                if self.image is None and not cuda:
                    ensure_image(self.client, recipe, log=self.log)
                elif find_image(self.client, tag) is None:
                    how = build_command(recipe) if self.image is None else "grader image build ..."
                    raise InfrastructureError(f"the docker image {tag} is not on this machine; build it with `{how}` "
                                              "(see docs/docker.md)")
                self._present.add(tag)
        return tag

    def _stage(self, request: SandboxRequest, root: Path) -> tuple[bytes, list[Any]]:
        """The job as a tar for entry.sh, and the read-only dataset mounts. Dataset files appear
        where loaders look as links into those mounts (the manifest has their hashes for Keras, the
        downloads the URLs the kernel answers with them)."""
        from docker.types import Mount

        from grader.datasets import default_cache_dir, get_provider
        from grader.datasets.sandbox import served_downloads

        cache = default_cache_dir()
        mounts, links, manifest = [], {}, {}
        for name in request.datasets:
            provider = get_provider(name)
            public = provider.public_dir(cache)
            files = {}
            for source, destination in provider.sandbox_files(cache):
                relative = source.relative_to(public).as_posix()
                files[relative] = (source, self._digest(source))
                links[destination] = DATASETS_DIR / name / relative
                manifest[destination] = files[relative][1]
            staged = self.store.dataset(name, files)
            mounts.append(Mount(str(DATASETS_DIR / name), str(staged), type="bind", read_only=True))
        request.job.dataset_manifest = manifest
        request.job.downloads = served_downloads(request.datasets, cache)
        request.job.kernel_command = kernel_command(request.resources, gpus=bool(request.resources.gpus))
        stage(dataclasses.replace(request, datasets=[]), root)
        for destination, target in links.items():
            (root / destination).parent.mkdir(parents=True, exist_ok=True)
            (root / destination).symlink_to(target)  # dangling here, resolved inside the container
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            tar.add(root, arcname=".")
        return buffer.getvalue(), mounts

    def _digest(self, path: Path) -> str:
        """sha256 of a dataset file, remembered while the file is unchanged (MNIST is 100 MB)."""
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            with path.open("rb") as handle:
                self._digests[key] = hashlib.file_digest(handle, "sha256").hexdigest()
        return self._digests[key]

    def _create(self, image: str, request: SandboxRequest, requests: list[Any], dataset_mounts: list[Any],
                result_dir: Path, owner: Owner) -> Any:
        import docker.errors
        from docker.types import LogConfig, Mount

        resources = request.resources
        entry = PACKAGE_PARENT / "grader" / "sandbox" / "images" / "entry.sh"
        environment = sandbox_environment(SANDBOX_ROOT, threads=request.job.threads, python_dir=VENV_BIN,
                                          package_parent=str(PACKAGE_PARENT), backend="docker",
                                          hide_gpus=not requests, pathsep=":")
        try:
            return self.client.containers.create(
                image, ["sh", str(entry), f"{request.wall_timeout:g}", str(SANDBOX_USER), *request.job.kernel_writable],
                user="0:0", working_dir=str(SANDBOX_ROOT), environment=environment,
                stdin_open=True, init=True, hostname="sandbox",
                labels={LABEL: request.job.assignment, OWNER_LABEL: str(owner)},
                network_mode="none", read_only=True, cap_drop=["ALL"], cap_add=list(HARNESS_CAPABILITIES),
                security_opt=["no-new-privileges"],
                ipc_mode="private", shm_size=SHM_BYTES,
                mem_limit=resources.memory, memswap_limit=resources.memory,
                nano_cpus=int(resources.cpus * 1e9), pids_limit=resources.processes,
                ulimits=_ulimits(resources),
                tmpfs=_scratch(request),
                mounts=[Mount(str(PACKAGE_PARENT / "grader"), str(self.package), type="bind", read_only=True),
                        Mount(str(RESULT_DIR), str(result_dir), type="bind"), *dataset_mounts],
                device_requests=requests,
                log_config=LogConfig(type="json-file", config={"max-size": LOG_MAX_SIZE, "max-file": "1"}))
        except docker.errors.APIError as exc:
            raise _refused(exc, gpus=bool(requests)) from exc


def _to_stderr(line: str) -> None:
    print(f"[docker] {line}", file=sys.stderr, flush=True)


def _refused(exc: Any, *, gpus: bool) -> InfrastructureError:
    hint = " (GPUs need the NVIDIA container toolkit: docs/docker.md)" if gpus else ""
    return InfrastructureError(f"the Docker engine refused the sandbox container: {exc.explanation or exc}{hint}")


def _ulimits(resources: Resources) -> list[Any]:
    """Per-process limits the engine sets, on every process of the container (the address space
    is the kernel's alone: see kernel_command)."""
    from docker.types import Ulimit

    limits = {"nofile": resources.open_files, "fsize": resources.file_size, "core": 0}
    return [Ulimit(name=name, soft=value, hard=value) for name, value in limits.items()]


def kernel_command(resources: Resources, *, gpus: bool) -> list[str]:
    """The prefix the harness puts before the kernel's argv (job.kernel_command): the launcher,
    run as root by the harness, sets the kernel's address-space limit, becomes SANDBOX_USER for
    good and sets no-new-privileges before it execs the kernel. `-P`: it starts in the kernel's
    working folder, which must never be on a root process's module path.

    The address-space limit binds the kernel and what it starts, not the harness. As in the
    local sandbox it turns an oversized allocation into a MemoryError in the cell that made it,
    instead of the out-of-memory killer ending the kernel; the container's memory limit still
    bounds the total. CUDA reserves far more address space than it uses, so with GPUs only the
    memory limit applies."""
    limits = {} if gpus else {"RLIMIT_AS": int(resources.memory)}
    return [f"{VENV_BIN}/python", "-P", "-m", "grader.sandbox.launch", "--uid", str(SANDBOX_USER),
            "--gid", str(SANDBOX_USER), *limit_arguments(limits), "--"]


def _scratch(request: SandboxRequest) -> dict[str, str]:
    """The writable tmpfs mounts: the sandbox root, `resources.disk` big, and three of their own for
    what is still written after the notebook ran (the harness's outputs, the evaluation inputs it
    restores for the probes, and the kernel's folder, where the probes write their results), so a
    notebook that fills its scratch still gets graded. All are root's when entry.sh unpacks the job
    (it needs no capability to set their times); the sandbox root and eval/ stay root's and readable
    by the kernel, the outputs root's alone, and entry.sh gives the kernel's folder to SANDBOX_USER
    with its other folders inside the root."""
    eval_bytes = sum(len(request.files.get(path, b"")) for path in request.job.eval_inputs)
    return {str(SANDBOX_ROOT): f"size={request.resources.disk},mode=0755,uid=0,gid=0",
            str(SANDBOX_ROOT / request.job.outdir): f"size={OUTPUT_ROOM},mode=0700,uid=0,gid=0",
            str(SANDBOX_ROOT / "eval"): f"size={eval_bytes + 1024**2},mode=0755,uid=0,gid=0",
            str(SANDBOX_ROOT / request.job.kernel_dir): f"size={KERNEL_ROOM},mode=0755,uid=0,gid=0"}


def _result_files(folder: Path) -> Path:
    """The folder mounted at /result: the output files, pre-created empty, that entry.sh (root in
    the container, DAC_OVERRIDE) overwrites once the notebook's processes are gone. Folder 0700,
    files 0600, this user's: the kernel (SANDBOX_USER, no capabilities) can neither read, write
    nor add to them. A grader running as SANDBOX_USER itself would own them: refused."""
    if os.name == "posix" and os.geteuid() == SANDBOX_USER:
        raise InfrastructureError(f"the docker sandbox's kernel runs as uid {SANDBOX_USER}, which this grader runs "
                                  "as too: it could write the results; run the grader as another user")
    folder.mkdir(mode=0o700)
    for name in OUTPUT_FILES:
        (folder / name).touch(mode=0o600)
        os.chmod(folder / name, 0o600)
    os.chmod(folder, 0o700)
    return folder


def _run(container: Any, payload: bytes, *, timeout: float, gpus: bool) -> tuple[int | None, bool]:
    """Start the container, send the job on its stdin, wait for it; kill it when time runs out.
    Returns (exit status or None if killed, whether the host's wall clock ran out)."""
    import docker.errors
    import requests

    attached = container.attach_socket(params={"stdin": 1, "stream": 1})
    raw = getattr(attached, "_sock", attached)
    try:
        try:
            container.start()
        except docker.errors.APIError as exc:  # device requests are only resolved here
            raise _refused(exc, gpus=gpus) from exc
        try:
            raw.sendall(payload)
            raw.shutdown(socket.SHUT_WR)  # end of the tar: entry.sh moves on
        except OSError:
            pass  # the container already ended; its status says why
    finally:
        attached.close()
    try:
        return container.wait(timeout=timeout)["StatusCode"], False
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
        container.kill()
        return None, True


def _ending(status: int | None, timed_out: bool, out_of_memory: bool, resources: Resources
            ) -> tuple[str | None, bool, list[str]]:
    """(why the sandbox was stopped, whether time ran out, notes) from how the container ended."""
    notes = [f"the container reached its memory limit of {resources.memory / 1024**3:g} GiB and the "
             "largest process in it was killed"] if out_of_memory else []
    if timed_out:
        return "the sandbox did not finish in time and was killed", True, notes
    if status == WALL_CLOCK_EXIT:
        return "the notebook ran past its total time limit and was stopped", True, notes
    if status == SETUP_FAILED_EXIT:
        return "the sandbox could not be set up (is the scratch, resources.disk, too small for the job?)", False, notes
    if status:
        return (f"the sandbox ran out of memory (limit {resources.memory / 1024**3:g} GiB)" if out_of_memory
                else f"the sandbox exited with status {status}"), False, notes
    return None, False, notes


# --- who owns a container, and cleaning up after a grader that was killed ---------------------------


@dataclasses.dataclass(frozen=True)
class Owner:
    """A grader process, recognisable after it died: its host, PID namespace, pid and start time
    (the start time tells a reused pid apart). Containers carry it as a label, scratch folders in
    their name."""

    host: str
    pidns: str
    pid: int
    start: str

    @classmethod
    def current(cls) -> Owner:
        return cls(socket.gethostname(), _pid_namespace(), os.getpid(), _start_time(os.getpid()) or "0")

    def __str__(self) -> str:
        return f"host={self.host} pidns={self.pidns} pid={self.pid} start={self.start}"

    @classmethod
    def parse(cls, text: str | None) -> Owner | None:
        fields = dict(part.split("=", 1) for part in (text or "").split() if "=" in part)
        try:
            return cls(fields["host"], fields["pidns"], int(fields["pid"]), fields["start"])
        except (KeyError, ValueError):
            return None

    @property
    def folder_prefix(self) -> str:
        """How this process's scratch folders begin: `<pidns>-<pid>-<start>-`."""
        return f"{self.pidns}-{self.pid}-{self.start}-"

    @classmethod
    def from_folder(cls, name: str, host: str) -> Owner | None:
        found = re.fullmatch(r"(\d+)-(\d+)-([0-9.]+)-[A-Za-z0-9_]+", name)
        return cls(host, found[1], int(found[2]), found[3]) if found else None

    def gone(self, me: Owner) -> bool:
        """True when this process has ended. Only a process of this host and PID namespace can be
        judged: any other (a grader in another container, on another machine) counts as running."""
        if (self.host, self.pidns) != (me.host, me.pidns):
            return False
        return _start_time(self.pid) != self.start


def _pid_namespace() -> str:
    try:
        return re.sub(r"\D", "", os.readlink("/proc/self/ns/pid")) or "0"
    except OSError:
        return "0"


def _start_time(pid: int) -> str | None:
    """When the process started (clock ticks since boot on Linux), None if it is gone or a zombie
    (killed, not yet reaped by its parent: it holds nothing any more)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if fields[0] in ("Z", "X") else fields[19]
    except (OSError, IndexError):
        pass
    if sys.platform.startswith("linux"):
        return None
    import psutil  # macOS and others: no /proc

    try:
        process = psutil.Process(pid)
        return None if process.status() == psutil.STATUS_ZOMBIE else f"{process.create_time():.0f}"
    except psutil.Error:
        return None


def reap(client: Any, store: MountStore, me: Owner) -> list[str]:
    """Remove the sandbox containers and scratch folders of grader processes that ended without
    removing them (killed mid-batch), then stored copies nobody used for a day. Never anything of a
    process that still runs, of another host or PID namespace, or that a container still mounts.
    Returns what was removed."""
    import docker.errors

    removed = []
    for container in client.containers.list(all=True, filters={"label": OWNER_LABEL}):
        owner = Owner.parse(container.labels.get(OWNER_LABEL))
        if owner is not None and owner.gone(me):
            try:
                container.remove(force=True)
                removed.append(f"container {container.short_id}")
            except docker.errors.APIError:  # removed meanwhile by another grader's reap
                pass
    for folder in store.run_folders():
        owner = Owner.from_folder(folder.name, me.host)
        if owner is not None and owner.gone(me):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(f"folder {folder}")
    mounted = {mount.get("Source") for container in client.containers.list(all=True, filters={"label": LABEL})
               for mount in container.attrs.get("Mounts", [])}
    removed += [f"folder {entry}" for entry in store.prune(keep=mounted)]
    return removed


# --- what a container mounts: neutral, content-addressed copies -------------------------------------


class MountStore:
    """Where a container's bind mounts come from, so that /proc/self/mountinfo in the container
    shows nothing of the host's layout (no home, course, repository, dataset cache or temporary
    folder), only this store's own paths:

        <root>/package/<digest>/grader      the grader package, mounted at /opt/grader/grader
        <root>/datasets/<name>-<digest>/    a dataset's sandbox files, mounted at /datasets/<name>
        <root>/runs/<owner>-<random>/       one run's scratch: root/ (the job, sent as a tar) and
                                            result/ (the two output files, mounted at /result)

    Copies are made once per content digest (a new grader version or dataset file gets a new one)
    and reused; the ones no container mounts and nobody used for PRUNE_AFTER seconds are removed.
    root: $GRADER_DOCKER_MOUNTS, else <GRADER_IMAGE_CACHE, /var/cache/grader>/mounts where this
    user may write, else /tmp/grader-mounts-<uid>. It is this user's alone (0700); what a
    container reads inside it is 0755/0644."""

    PRUNE_AFTER = 24 * 3600

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else _mounts_root()
        self._datasets: dict[tuple[str, str], Path] = {}

    def package(self, source: Path) -> Path:
        """A copy of the package folder `source` (without bytecode), named by its content."""
        files = {path.relative_to(source).as_posix(): path for path in sorted(source.rglob("*"))
                 if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}
        digest = hashlib.sha256()
        for relative, path in files.items():
            digest.update(f"{relative}\0{len(data := path.read_bytes())}\0".encode() + data)
        entry = self._entry("package", digest.hexdigest()[:16], {f"{source.name}/{r}": p for r, p in files.items()})
        return entry / source.name

    def dataset(self, name: str, files: dict[str, tuple[Path, str]]) -> Path:
        """A copy of a dataset's sandbox files ({relative path: (source, sha256)}), named by them."""
        digest = hashlib.sha256("\n".join(f"{r}\0{d}" for r, (_, d) in sorted(files.items())).encode()).hexdigest()
        key = (name, digest)
        if key not in self._datasets:
            self._datasets[key] = self._entry("datasets", f"{name}-{digest[:16]}",
                                              {relative: source for relative, (source, _) in files.items()})
        self.touch(self._datasets[key])
        return self._datasets[key]

    def _entry(self, kind: str, name: str, files: dict[str, Path]) -> Path:
        """<root>/<kind>/<name> holding `files` ({relative path: source}), built under a temporary
        name and renamed into place (graders racing to build it agree on one copy)."""
        entry = self.root / kind / name
        if entry.is_dir():
            self.touch(entry)
            return entry
        entry.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".build-", dir=entry.parent))
        try:
            for relative, source in files.items():
                target = building / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                os.chmod(target, 0o755 if os.stat(source).st_mode & 0o100 else 0o644)
            for folder in [building, *(p for p in building.rglob("*") if p.is_dir())]:
                os.chmod(folder, 0o755)
            os.rename(building, entry)
        except OSError as exc:
            shutil.rmtree(building, ignore_errors=True)
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY) or not entry.is_dir():
                raise InfrastructureError(f"cannot stage the docker sandbox's mounts in {entry.parent}: {exc}") from exc
        return entry

    def touch(self, entry: Path) -> None:
        """Mark a copy (<root>/<kind>/<name>) as used now: prune keeps it for PRUNE_AFTER."""
        try:
            os.utime(entry)
        except OSError:
            pass

    def run_folders(self) -> list[Path]:
        runs = self.root / "runs"
        return sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []

    def run_folder(self, owner: Owner) -> _PathDirectory:
        """A scratch folder for one run, named after its owner, removed when the run ends."""
        runs = self.root / "runs"
        runs.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _PathDirectory(prefix=owner.folder_prefix, dir=runs)

    def prune(self, *, keep: set[str]) -> list[Path]:
        """Remove copies unused for PRUNE_AFTER seconds whose paths no container mounts."""
        removed, now = [], time.time()
        for kind in ("package", "datasets"):
            folder = self.root / kind
            for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
                try:
                    stale = now - entry.stat().st_mtime > self.PRUNE_AFTER
                except OSError:
                    continue
                inside = str(entry) + os.sep
                if stale and not any(source == str(entry) or source.startswith(inside) for source in keep if source):
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
        return removed


class _PathDirectory(tempfile.TemporaryDirectory):
    """A TemporaryDirectory whose `with` gives a Path."""

    def __enter__(self) -> Path:
        return Path(self.name)


def _mounts_root() -> Path:
    """The store's root: the first of $GRADER_DOCKER_MOUNTS, <image cache>/mounts and
    /tmp/grader-mounts-<uid> that this user owns (or can create), made 0700."""
    configured = os.environ.get("GRADER_DOCKER_MOUNTS")
    candidates = [Path(configured)] if configured else [image_cache() / "mounts",
                                                        Path("/tmp") / f"grader-mounts-{os.getuid()}"]
    problems = []
    for root in candidates:
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            found = os.lstat(root)
            if stat.S_ISLNK(found.st_mode) or found.st_uid != os.getuid():
                problems.append(f"{root} belongs to another user")
                continue
            os.chmod(root, 0o700)
            if os.access(root, os.W_OK | os.X_OK):
                return root
            problems.append(f"{root} is not writable")
        except OSError as exc:
            problems.append(f"{root}: {exc.strerror or exc}")
    raise InfrastructureError("no folder for the docker sandbox's mounts (" + "; ".join(problems) +
                              "); set GRADER_DOCKER_MOUNTS to a folder of your own on the engine's machine")
