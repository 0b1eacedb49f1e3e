"""The kernel the harness talks to: started through the sandbox's confinement command, reached
over IPC sockets in its own folder, interrupted by a message rather than a signal."""

from __future__ import annotations

import os
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import List, Unicode
from traitlets.config import Config

from grader.harness.job import HarnessJob

CONNECTION_FILE = "kernel.json"


class ConfinedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager that starts the kernel as `launch_prefix + the kernel's argv`.

    The prefix (bubblewrap, the limits, the switch to the kernel's user) sits between the harness
    and the kernel, so a signal to the launched process would reach bwrap rather than the
    kernel: interrupts go over the control channel instead (ipykernel's interrupt_mode
    "message"). The kernel may run as another user, so its connection file is made readable."""

    launch_prefix = List(Unicode(), default_value=[]).tag(config=True)

    @property
    def kernel_spec(self) -> Any:
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        os.chmod(self.connection_file, 0o644)
        return [*self.launch_prefix, *command]


def kernel_config(job: HarnessJob) -> Config:
    """Kernel sockets as files in the kernel's own folder: no TCP port opens, even on loopback."""
    folder = job.path(job.kernel_dir)
    return Config({
        "KernelManager": {"transport": "ipc", "ip": str(folder / "ipc"),
                          "connection_file": str(folder / CONNECTION_FILE)},
        "ConfinedKernelManager": {"launch_prefix": list(job.kernel_command)},
    })
