"""The job file the host writes for the harness: everything the sandbox needs, nothing hidden.

Paths are relative to the job's folder (the sandbox root) so the same job runs in a local scratch
folder and in a container where that folder is mounted elsewhere.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.contract import ProbeRequest, requests_from_json

JOB_FILE = "job.json"
OBSERVATIONS_FILE = "observations.json"
EXECUTED_FILE = "executed.ipynb"


@dataclass
class HarnessJob:
    assignment: str
    notebook: str = "work/submission.ipynb"
    workdir: str = "work"
    outdir: str = "out"
    parameters: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    threads: int = 2
    cell_timeout: float = 120
    total_timeout: float = 900
    probe_timeout: float = 120
    output_cap: int = 1024**2
    observations_cap: int = 32 * 1024**2
    probes: list[ProbeRequest] = field(default_factory=list)
    eval_inputs: list[str] = field(default_factory=list)
    dataset_manifest: dict[str, str] = field(default_factory=dict)
    downloads: dict[str, dict[str, str]] = field(default_factory=dict)  # {dataset: {URL: staged file}}
    kernel_command: list[str] = field(default_factory=list)  # put before the kernel's argv: its confinement
    kernel_dir: str = "kernel"     # the kernel's connection file, sockets and probe results: it may write here
    root_path: str = ""

    @property
    def kernel_writable(self) -> list[str]:
        """The folders the kernel may write: its cwd, HOME, TMPDIR and its own sockets' folder.
        The job, `eval/` and `out/` are the harness's alone."""
        return [self.workdir, "home", "tmp", self.kernel_dir]

    @property
    def root(self) -> Path:
        return Path(self.root_path)

    def path(self, relative: str) -> Path:
        return self.root / relative

    def write(self, root: Path) -> Path:
        target = root / JOB_FILE
        fields = asdict(self)
        fields.pop("root_path")
        fields["probes"] = [request.to_json() for request in self.probes]
        target.write_text(json.dumps(fields, indent=1), encoding="utf-8")
        return target

    @classmethod
    def read(cls, path: Path) -> HarnessJob:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["probes"] = requests_from_json(data.get("probes", []))
        return cls(**data, root_path=str(path.resolve().parent))

    def take_eval_inputs(self) -> dict[str, bytes]:
        """Read evaluation inputs into memory and delete the files, so code in the kernel cannot
        read them while the notebook runs; they come back only for the probe step."""
        taken = {}
        for relative in self.eval_inputs:
            source = self.path(relative)
            taken[relative] = source.read_bytes()
            source.unlink()
        return taken

    def restore_eval_inputs(self, taken: dict[str, bytes]) -> None:
        for relative, data in taken.items():
            self.path(relative).write_bytes(data)

    def kernel_probes(self) -> list[ProbeRequest]:
        """Probe requests with sandbox-relative input paths made absolute for the kernel."""
        return [request.relocated(lambda inputs: str(self.path(inputs))) for request in self.probes]

    def write_observations(self, observations: dict) -> None:
        text = json.dumps(observations, allow_nan=False)
        if len(text) > self.observations_cap:
            observations = shrink(observations, self.observations_cap)
            text = json.dumps(observations, allow_nan=False)
        target = self.path(self.outdir) / OBSERVATIONS_FILE
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)


def shrink(observations: dict, cap: int) -> dict:
    """Drop captured output text, then oversized probe results, until the document fits."""
    for cell in observations.get("execution", {}).get("cells", []):
        cell["output_text"] = cell.get("output_text", "")[:1000]
    probes = observations.get("probes", {})
    for key in sorted(probes, key=lambda k: len(json.dumps(probes[k])), reverse=True):
        if len(json.dumps(observations)) <= cap:
            break
        probes[key] = {"ok": False, "error": "the result was too large to send back"}
    return observations
