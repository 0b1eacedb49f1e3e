"""What a kernel under the namespaces backend finds: its own writable, size-capped /tmp and
/dev/shm, an unprivileged uid, no way to make user namespaces, a sandbox hostname. The hostile
cases (reading host files, forging, escaping) are in tests/test_isolation.py."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import make_notebook
from grader.pipeline import GradingOptions, grade_notebook

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")]

PROBE = r'''
import ctypes, json, os, socket
report = {"uid": os.getuid(), "hostname": socket.gethostname()}
for folder in ("/tmp", "/dev/shm"):
    with open(os.path.join(folder, "mine"), "w") as handle:
        handle.write("ok")
    try:
        with open(os.path.join(folder, "big"), "wb") as handle:
            handle.write(b"0" * (128 * 1024**2))
        report[folder] = "128 MiB written"
    except OSError as exc:
        report[folder] = f"full: {exc.strerror}"
    os.remove(os.path.join(folder, "big"))
libc = ctypes.CDLL(None, use_errno=True)
report["unshare"] = libc.unshare(0x10000000)
print("REPORT", json.dumps(report))
'''


def test_kernel_gets_private_bounded_tmp_and_no_user_namespaces(toy, tmp_path):
    from grader.sandbox import get_sandbox

    notebook = make_notebook(tmp_path / "probe.ipynb", [PROBE])
    grade_notebook(toy, notebook, GradingOptions(sandbox=get_sandbox("namespaces"), out_dir=tmp_path / "out"))
    executed = json.loads((tmp_path / "out" / "executed.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    report = json.loads(text.split("REPORT", 1)[1])
    assert report["uid"] != 0 and report["hostname"] == "sandbox"
    assert report["/tmp"].startswith("full") and report["/dev/shm"].startswith("full")
    assert report["unshare"] == -1
