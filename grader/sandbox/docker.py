"""The `docker` backend: every submission in its own hardened container, for instructors grading
untrusted code. See docs/docker.md for what each limit does and how hostile notebooks end.

The container has no network, a read-only root filesystem, no capabilities, no-new-privileges,
an unprivileged user, and cgroup limits on memory (swap included), CPUs and processes, with
rlimits on address space, open files and file size. Its only writable place is /sandbox, a size-limited tmpfs
(so a notebook cannot fill the host's disk; it counts toward the memory limit). The job arrives
as a tar on stdin rather than through a mount, so nothing the host sends (evaluation inputs
above all) stays reachable beyond where the harness keeps it. The harness's two output files come
back through files the host pre-creates in a bind-mounted folder the container cannot add to.
Datasets' public folders are mounted read-only; hidden splits never are. The Docker SDK is
imported only when this backend is used, so the local backend never needs it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import socket
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

import grader
from grader.errors import InfrastructureError, UsageError
from grader.sandbox.base import Sandbox, SandboxRequest, SandboxResult, register
from grader.sandbox.common import LOG_TAIL_BYTES, sandbox_environment
from grader.sandbox.images import Recipe, find_image
from grader.sandbox.staging import stage
from grader.sandbox.supervise import WALL_CLOCK_EXIT
from grader.spec.assignment import Resources

SANDBOX_ROOT = PurePosixPath("/sandbox")      # the size-limited scratch tmpfs; the job's root
PACKAGE_PARENT = PurePosixPath("/opt/grader")  # the host's grader package is mounted below it
RESULT_DIR = PurePosixPath("/result")          # the two pre-created output files
DATASETS_DIR = PurePosixPath("/datasets")      # each dataset's public folder, read-only
VENV_BIN = "/opt/venv/bin"                     # where the runtime images install Python packages
OUTPUT_FILES = ("observations.json", "executed.ipynb")
OUTPUT_ROOM = 256 * 1024**2                    # tmpfs for the harness's outputs (capped at 32 + 64 MiB)
SANDBOX_USER = 65534                           # nobody:nogroup; never root, never a host login
LOG_MAX_SIZE = "1m"                            # the engine keeps at most this much container output
GRACE_SECONDS = 15
SETUP_FAILED_EXIT = 70                         # entry.sh could not unpack the job or set its limit
LABEL = "org.grader.sandbox"


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
    """`all`, a count, or device ids (`device=0,2`, or a comma list such as `0,1`, or GPU-/MIG-
    UUIDs) as the device requests `docker run --gpus` sends; the NVIDIA runtime satisfies them."""
    if not gpus:
        return []
    from docker.types import DeviceRequest

    value = str(gpus).strip()
    if value == "all":
        return [DeviceRequest(count=-1, capabilities=[["gpu"]])]
    if value.isdigit() and int(value) > 0:
        return [DeviceRequest(count=int(value), capabilities=[["gpu"]])]
    ids = [part.strip() for part in value.removeprefix("device=").split(",")]
    if not value.isdigit() and all(re.fullmatch(r"\d+|(GPU|MIG)-[0-9A-Za-z/-]+", part) for part in ids):
        return [DeviceRequest(device_ids=ids, capabilities=[["gpu"]])]
    raise UsageError(f"--gpus {gpus!r}: use all, a count such as 2, or device ids such as device=0, 0,1 or GPU-<uuid>")


@register("docker")
class DockerSandbox(Sandbox):
    """image: a tag to use as is; otherwise the runtime image for `requirements` (the assignment's),
    CUDA flavor when the request asks for GPUs. It must exist: `grader image build` makes it."""

    name = "docker"

    def __init__(self, *, image: str | None = None, requirements: Sequence[str] = ()) -> None:
        self.client = connect()
        self.image = image
        self.requirements = tuple(requirements)
        self._present: set[str] = set()
        self._digests: dict[tuple[str, int, int], str] = {}

    def run(self, request: SandboxRequest) -> SandboxResult:
        started = time.monotonic()
        image = self._image_for(request)
        requests = device_requests(request.resources.gpus)
        with tempfile.TemporaryDirectory(prefix="grader-docker-") as scratch:
            host = Path(scratch)
            payload, dataset_mounts = self._stage(request, host / "root")
            result_dir = _result_files(host / "result")
            container = self._create(image, request, requests, dataset_mounts, result_dir)
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
        cuda = bool(request.resources.gpus)
        tag = self.image or Recipe("cuda" if cuda else "cpu", self.requirements).tag
        if tag not in self._present:
            if find_image(self.client, tag) is None:
                how = "grader image build" + (" --cuda" if cuda else "") + \
                    (f" --assignment {request.job.assignment}" if self.requirements else "")
                raise InfrastructureError(f"the docker image {tag} is not on this machine; build it with `{how}` "
                                          "(see docs/docker.md)")
            self._present.add(tag)
        return tag

    def _stage(self, request: SandboxRequest, root: Path) -> tuple[bytes, list[Any]]:
        """The job as a tar for entry.sh, and the read-only dataset mounts. Dataset files appear
        where loaders look as links into those mounts (the manifest has their hashes for Keras)."""
        from docker.types import Mount

        from grader.datasets import default_cache_dir, get_provider

        cache = default_cache_dir()
        mounts, links, manifest = [], {}, {}
        for name in request.datasets:
            provider = get_provider(name)
            public = provider.public_dir(cache)
            mounts.append(Mount(str(DATASETS_DIR / name), str(public), type="bind", read_only=True))
            for source, destination in provider.sandbox_files(cache):
                links[destination] = DATASETS_DIR / name / source.relative_to(public)
                manifest[destination] = self._digest(source)
        request.job.dataset_manifest = manifest
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
                result_dir: Path) -> Any:
        from docker.types import LogConfig, Mount
        import docker.errors

        resources = request.resources
        package = Path(grader.__file__).resolve().parent
        entry = PACKAGE_PARENT / "grader" / "sandbox" / "images" / "entry.sh"
        environment = sandbox_environment(SANDBOX_ROOT, threads=request.job.threads, python_dir=VENV_BIN,
                                          package_parent=str(PACKAGE_PARENT), backend="docker",
                                          hide_gpus=not requests, pathsep=":")
        try:
            return self.client.containers.create(
                image, ["sh", str(entry), f"{request.wall_timeout:g}", _address_space(resources, gpus=bool(requests))],
                user=f"{SANDBOX_USER}:{SANDBOX_USER}", working_dir=str(SANDBOX_ROOT), environment=environment,
                stdin_open=True, init=True, hostname="sandbox", labels={LABEL: request.job.assignment},
                network_mode="none", read_only=True, cap_drop=["ALL"], security_opt=["no-new-privileges"],
                ipc_mode="private",
                mem_limit=resources.memory, memswap_limit=resources.memory,
                nano_cpus=int(resources.cpus * 1e9), pids_limit=resources.processes,
                ulimits=_ulimits(resources),
                tmpfs=_scratch(request),
                mounts=[Mount(str(PACKAGE_PARENT / "grader"), str(package), type="bind", read_only=True),
                        Mount(str(RESULT_DIR), str(result_dir), type="bind"), *dataset_mounts],
                device_requests=requests,
                log_config=LogConfig(type="json-file", config={"max-size": LOG_MAX_SIZE, "max-file": "1"}))
        except docker.errors.APIError as exc:
            raise _refused(exc, gpus=bool(requests)) from exc


def _refused(exc: Any, *, gpus: bool) -> InfrastructureError:
    hint = " (GPUs need the NVIDIA container toolkit: docs/docker.md)" if gpus else ""
    return InfrastructureError(f"the Docker engine refused the sandbox container: {exc.explanation or exc}{hint}")


def _ulimits(resources: Resources) -> list[Any]:
    """Per-process limits the engine sets (the address space is entry.sh's: see _address_space)."""
    from docker.types import Ulimit

    limits = {"nofile": resources.open_files, "fsize": resources.file_size, "core": 0}
    return [Ulimit(name=name, soft=value, hard=value) for name, value in limits.items()]


def _address_space(resources: Resources, *, gpus: bool) -> str:
    """The per-process address-space limit entry.sh sets, in KiB. As in the local sandbox it turns
    an oversized allocation into a MemoryError in the cell that made it, instead of the
    out-of-memory killer ending the kernel; the container's memory limit still bounds the total.
    CUDA reserves far more address space than it uses, so with GPUs only the memory limit applies."""
    return "unlimited" if gpus else str(resources.memory // 1024)


def _scratch(request: SandboxRequest) -> dict[str, str]:
    """The writable tmpfs mounts: the sandbox root, `resources.disk` big, and two of their own for
    what the harness still writes after the notebook ran (its outputs, and the evaluation inputs
    it restores for the probes), so a notebook that fills its scratch still gets graded."""
    owner = f"mode=0700,uid={SANDBOX_USER},gid={SANDBOX_USER}"
    eval_bytes = sum(len(request.files.get(path, b"")) for path in request.job.eval_inputs)
    return {str(SANDBOX_ROOT): f"size={request.resources.disk},{owner}",
            str(SANDBOX_ROOT / request.job.outdir): f"size={OUTPUT_ROOM},{owner}",
            str(SANDBOX_ROOT / "eval"): f"size={eval_bytes + 1024**2},{owner}"}


def _result_files(folder: Path) -> Path:
    """A folder the container cannot add to, holding the output files it may overwrite."""
    folder.mkdir()
    for name in OUTPUT_FILES:
        (folder / name).touch()
        os.chmod(folder / name, 0o666)
    os.chmod(folder, 0o755)
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
