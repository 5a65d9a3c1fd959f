"""A Jupyter kernel for one submission, in a sandbox; runs code cells in it with time limits.

The kernel is IPython's own (``ipykernel``), from the book's venv, so a submission runs as it ran
for the student. On Linux it is started by **bubblewrap** (``bwrap``, no root needed) in new
namespaces:

- *files*: a new root that shows the system (``/usr`` and its links) and the Python installation
  read-only, the book's ``nnreg`` package read-only at ``/book/nnreg`` and the data files the
  chapter needs at ``/data``; nothing else of the host, so none of the instructor's files and
  no chapter with its solutions. The writable part is a fresh tmpfs of limited size, ``/tmp``:
  the working folder ``/tmp/work`` and the home ``/tmp/home``.
- *network*: a network namespace of its own, with nothing but its own loopback;
- *processes*: a PID namespace: it sees and can signal only its own processes, and all of them
  die with it (``--die-with-parent``); no capabilities, no new privileges.

Resource limits (``setrlimit``, inherited by the kernel) cap its address space, CPU time, file
size and number of processes (threads count). The grader talks to the kernel over Unix sockets
(ZeroMQ ``ipc``) that live in the sandbox's own tmpfs: the grader reaches them through
``/proc/PID/root`` of the sandbox, so no folder of the host is writable from inside. The
grader's ZeroMQ sockets refuse messages over ``MAX_MESSAGE`` bytes and :class:`Kernel` keeps at
most ``output_limit`` characters of a cell's output, so a submission that prints without end
cannot fill the grader's memory.

Each protection can be switched off (:class:`Protections`), which the tests use to show that it
is the protection that stops an attack. ``Protections.none()`` runs the kernel without bubblewrap
(time limits, resource limits and a fresh working folder only): the only choice where bubblewrap
does not exist (macOS), for submissions one trusts.
"""
from __future__ import annotations

import json
import os
import platform
import queue
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
from jupyter_client.blocking import BlockingKernelClient

MAX_MESSAGE = 64 << 20  # bytes: a bigger message from the kernel is dropped by ZeroMQ
APT_PACKAGE = "bubblewrap"
INSTALL_HINT = (
    "Install bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu), `sudo dnf install "
    "bubblewrap` (Fedora). Without it, `--no-sandbox` grades with time and resource limits only, "
    "with no file, network or process protection: only for submissions you trust."
)
INSIDE_BOOK = "/book"  # PYTHONPATH inside: /book/nnreg is the book's package
INSIDE_DATA = "/data"
INSIDE_WORK = "/tmp/work"
INSIDE_HOME = "/tmp/home"
INSIDE_KERNEL = "/run/kernel"  # the connection file and the kernel's sockets


class SandboxError(RuntimeError):
    """The sandbox cannot be had on this machine: nothing was graded."""


@dataclass(frozen=True)
class Protections:
    """What the sandbox does; all on by default. Off, one at a time, only in the tests."""

    files: bool = True  # a new root: the system read-only, no host files but what is bound
    network: bool = True  # a network namespace of its own (its own loopback only)
    processes: bool = True  # a PID namespace of its own
    limits: bool = True  # setrlimit: memory, CPU time, file size, processes

    @classmethod
    def none(cls) -> Protections:
        """No bubblewrap: resource limits, time limits and a fresh folder only (--no-sandbox)."""
        return cls(files=False, network=False, processes=False, limits=True)

    @property
    def bubblewrap(self) -> bool:
        return self.files or self.network or self.processes


@dataclass(frozen=True)
class Limits:
    """Per kernel. Memory is address space (RLIMIT_AS): PyTorch maps more than it uses."""

    memory: int = 6 << 30  # bytes of address space
    disk: int = 512 << 20  # bytes of /tmp in the sandbox (working folder and home)
    file_size: int = 256 << 20  # bytes, the largest file the kernel may write
    processes: int = 512  # processes and threads of the kernel
    cpu: int | None = None  # seconds of CPU time; None: twice the notebook's time limit


@dataclass
class CellRun:
    """What running one cell gave."""

    status: str  # "ok", "error", "timeout", "died"
    ename: str = ""
    evalue: str = ""
    output: str = ""  # stdout and text results, cut to the output limit
    stderr: str = ""  # cut to the output limit too
    dropped: int = 0  # characters of output not kept
    seconds: float = 0.0


# ------------------------------------------------------------------------------------------------
# bubblewrap
# ------------------------------------------------------------------------------------------------
def find_bwrap() -> str | None:
    return os.environ.get("BWRAP") or shutil.which("bwrap")


def ensure_bwrap() -> str:
    """The bwrap binary; as root with apt-get (CI on a fresh Debian machine) it is installed first.
    Then a trial run shows that this kernel lets it create namespaces."""
    if platform.system() != "Linux":
        raise SandboxError(
            f"The grading sandbox needs Linux (bubblewrap); this is {platform.system()}. Grade on "
            "Linux, or pass --no-sandbox (make grade NO_SANDBOX=1) to run the submissions with time "
            "and resource limits only (on macOS the memory limit is not enforced), with no file, "
            "network or process protection: only for submissions you trust."
        )
    path = find_bwrap()
    if not path and shutil.which("apt-get") and os.geteuid() == 0:
        print("bubblewrap is not installed: installing Debian's package with apt-get ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "-q", "update"], env=env, check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "-q", "install", "-y", "--no-install-recommends", APT_PACKAGE],
                       env=env, check=False, stdout=subprocess.DEVNULL)
        path = find_bwrap()
    if not path:
        raise SandboxError("bubblewrap (bwrap) is not installed.\n" + INSTALL_HINT)
    trial = subprocess.run([path, "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                            "true"], capture_output=True, text=True, check=False)
    if trial.returncode != 0:
        raise SandboxError(
            f"bubblewrap cannot create its namespaces here: {trial.stderr.strip()}\nUser namespaces "
            "may be switched off (sysctl kernel.unprivileged_userns_clone=1 on Debian; on Ubuntu "
            "24.04 and later, AppArmor must allow bwrap: its package brings the profile), or this "
            "runs in a container that forbids them."
        )
    return path


def _system_view() -> list[str]:
    """bwrap arguments that show the system read-only: /usr, the links or folders /bin, /lib...
    as on the host, and the few files of /etc that programs read to start."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "fonts"):
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def python_paths(book: Path) -> tuple[str, list[str]]:
    """The interpreter to run inside (the venv's, as the book's venv has it) and the folders it
    needs, read-only: the venv, the base installation, and the package folders (``site-packages``,
    ``dist-packages``) on sys.path outside them (a venv made with TORCH=system reaches another's).
    Nothing else of sys.path: PYTHONPATH may hold the book's repository, whose chapters have the
    solutions, or any folder of the instructor's."""
    book = book.resolve()
    prefix, base = os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)
    python = os.path.join(prefix, "bin", os.path.basename(sys.executable)) if prefix != base \
        else os.path.realpath(sys.executable)
    folders = [prefix, base]
    for entry in sys.path:
        real = Path(os.path.realpath(entry or "."))
        if real.name not in ("site-packages", "dist-packages") or not real.is_dir():
            continue
        if any(real == Path(f) or Path(f) in real.parents for f in folders):
            continue
        if real == book or real in book.parents or book in real.parents and not str(real).startswith(prefix):
            continue
        folders.append(str(real))
    if not any(Path(f) in Path(os.path.realpath(python)).parents for f in folders):
        folders.append(os.path.dirname(os.path.realpath(python)))
    return python, folders


# ------------------------------------------------------------------------------------------------
# The kernel
# ------------------------------------------------------------------------------------------------
@dataclass
class KernelSpec:
    """Everything a kernel for one submission needs (plain data: it travels to worker processes)."""

    book: Path  # the book's repository: its nnreg/ is bound read-only
    env: dict[str, str] = field(default_factory=dict)  # the chapter's variables
    data_files: list[Path] = field(default_factory=list)  # bound read-only into /data
    protections: Protections = field(default_factory=Protections)
    limits: Limits = field(default_factory=Limits)
    cpu_seconds: int = 3600
    output_limit: int = 20_000  # characters kept per cell
    bwrap: str | None = None


def _rlimits(limits: Limits, cpu_seconds: int) -> list[tuple[str, int]]:
    return [("RLIMIT_AS", limits.memory), ("RLIMIT_CPU", cpu_seconds), ("RLIMIT_FSIZE", limits.file_size),
            ("RLIMIT_NPROC", limits.processes), ("RLIMIT_CORE", 0)]


# Inside the sandbox the limits are set by the kernel's own process before it becomes the kernel:
# there the process count is the sandbox's alone (its own user namespace), not all of the user's.
LAUNCHER = """import os, resource, sys
names = sys.argv[1].split(",")
values, kernel = sys.argv[2 : 2 + len(names)], sys.argv[2 + len(names) :]
for name, value in zip(names, values):
    resource.setrlimit(getattr(resource, name), (int(value), int(value)))
os.execv(sys.executable, [sys.executable, *kernel])
"""


def _launcher_args(limits: Limits, cpu_seconds: int) -> list[str]:
    pairs = _rlimits(limits, cpu_seconds)
    return ["-c", LAUNCHER, ",".join(n for n, _ in pairs), *(str(v) for _, v in pairs)]


def _set_limits_outside(limits: Limits, cpu_seconds: int):
    """For a kernel without the sandbox: the same limits but the number of processes (which
    would count every process of the user), set before it starts."""
    def apply():
        for name, value in _rlimits(limits, cpu_seconds):
            if name != "RLIMIT_NPROC":
                try:
                    resource.setrlimit(getattr(resource, name), (value, value))
                except (ValueError, OSError):  # macOS refuses some (RLIMIT_AS): kept as they are
                    pass
    return apply


class _Tail:
    """Reads a pipe to its end on a thread, keeping only its last ``keep`` bytes."""

    def __init__(self, pipe, keep: int = 8000):
        self.text, self._keep = b"", keep
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe):
        for chunk in iter(lambda: pipe.read1(65536), b""):
            self.text = (self.text + chunk)[-self._keep:]

    def __str__(self):
        return self.text.decode("utf-8", errors="replace").strip()


class Kernel:
    """One kernel in its sandbox: ``with Kernel(spec) as k: k.run(code, timeout)``."""

    def __init__(self, spec: KernelSpec):
        self.spec = spec
        self.process: subprocess.Popen | None = None
        self.client: BlockingKernelClient | None = None
        self._host_dir = Path(tempfile.mkdtemp(prefix="nnreg-grade-"))
        self._context = zmq.Context()
        self._context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        self._context.setsockopt(zmq.LINGER, 0)
        self._stderr: _Tail | None = None
        self._stuck = False  # it ignored an interrupt
        self._child: int | None = None  # host PID of the sandbox's first process

    # -- start and stop ---------------------------------------------------------------------------
    def __enter__(self) -> Kernel:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _environment(self, sandboxed: bool) -> dict[str, str]:
        home = INSIDE_HOME if sandboxed else str(self._host_dir / "home")
        book = INSIDE_BOOK if sandboxed else str(self._host_dir / "book")
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
            "PYTHONPATH": book, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": f"{home}/.matplotlib", "IPYTHONDIR": f"{home}/.ipython",
            "JUPYTER_RUNTIME_DIR": f"{home}/.jupyter", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            # one thread: the same numbers on every machine, and one core per submission
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "NNREG_DEVICE": "cpu",
        }
        if self.spec.data_files:
            env["NNREG_DATA_DIR"] = INSIDE_DATA if sandboxed else str(self._host_dir / "data")
        return {**env, **self.spec.env}

    def start(self) -> None:
        spec, protections = self.spec, self.spec.protections
        sandboxed = protections.bubblewrap
        python, python_folders = python_paths(spec.book)
        key = secrets.token_hex(16)
        info = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
                "transport": "ipc", "key": key, "signature_scheme": "hmac-sha256",
                "kernel_name": "python3"}
        env = self._environment(sandboxed)
        kernel_args = ["-m", "ipykernel_launcher", "--HistoryManager.hist_file=:memory:"]
        if sandboxed:
            info["ip"] = f"{INSIDE_KERNEL}/k"
            connection = f"{INSIDE_KERNEL}/kernel.json"
            read, write = os.pipe()
            os.write(write, json.dumps(info).encode())
            os.close(write)
            info_read, info_write = os.pipe()
            args = [spec.bwrap or find_bwrap() or "bwrap", "--die-with-parent", "--new-session",
                    "--cap-drop", "ALL", "--clearenv", "--hostname", "sandbox"]
            args += ["--unshare-user", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
            if protections.processes:
                args += ["--unshare-pid"]
            if protections.network:
                args += ["--unshare-net"]
            if protections.files:
                # the writable tmpfs first: binds after it may lie under /tmp (a venv in /tmp/...)
                args += ["--size", str(spec.limits.disk), "--tmpfs", "/tmp",
                         "--dir", INSIDE_WORK, "--dir", INSIDE_HOME]
                args += _system_view()
                for folder in python_folders:
                    args += ["--ro-bind", folder, folder]
                args += ["--ro-bind", str(spec.book / "nnreg"), f"{INSIDE_BOOK}/nnreg"]
                for path in spec.data_files:
                    args += ["--ro-bind", str(path), f"{INSIDE_DATA}/{path.name}"]
                args += ["--dev", "/dev", "--size", str(64 << 20), "--tmpfs", "/dev/shm"]
                workdir = INSIDE_WORK
            else:  # the whole host, writable where its permissions allow: as if unprotected
                self._host_book_and_data()
                args += ["--bind", "/", "/", "--dev-bind", "/dev", "/dev"]
                workdir = str(self._host_dir / "work")
                env.update(PYTHONPATH=str(self._host_dir / "book"), HOME=str(self._host_dir / "home"))
                env["MPLCONFIGDIR"] = f"{env['HOME']}/.matplotlib"
                env["IPYTHONDIR"] = f"{env['HOME']}/.ipython"
                if spec.data_files:
                    env["NNREG_DATA_DIR"] = str(self._host_dir / "data")
            args += ["--proc", "/proc", "--size", str(1 << 20), "--tmpfs", INSIDE_KERNEL,
                     "--file", str(read), connection, "--chdir", workdir, "--info-fd", str(info_write)]
            for name, value in env.items():
                args += ["--setenv", name, value]
            limited = _launcher_args(spec.limits, spec.cpu_seconds) if protections.limits else []
            args += [python, *limited, *kernel_args, "-f", connection]
            pass_fds = (read, info_write)
        else:
            self._host_book_and_data()
            info["ip"] = str(self._host_dir / "k")
            connection = str(self._host_dir / "kernel.json")
            Path(connection).write_text(json.dumps(info), encoding="utf-8")
            args = [python, *kernel_args, "-f", connection]
            pass_fds = ()
            env["PYTHONPATH"] = str(self._host_dir / "book")
            workdir = str(self._host_dir / "work")
        preexec = _set_limits_outside(spec.limits, spec.cpu_seconds) if protections.limits and not sandboxed \
            else None
        self.process = subprocess.Popen(
            args, env=env if not sandboxed else {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            cwd=None if sandboxed else workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, pass_fds=pass_fds, preexec_fn=preexec, start_new_session=True)
        self._stderr = _Tail(self.process.stderr)
        if sandboxed:
            os.close(read)
            os.close(info_write)
            self._child = self._read_info(info_read)
            info["ip"] = f"/proc/{self._child}/root{INSIDE_KERNEL}/k"
        self._wait_for_sockets(info, timeout=120)
        self.client = BlockingKernelClient(context=self._context)
        self.client.load_connection_info(info)
        self.client.start_channels()
        self._wait_until_ready(timeout=60)

    def _host_book_and_data(self) -> None:
        """Without a new root: the book's package and data as links in the host folder."""
        for sub in ("work", "home", "book", "data"):
            (self._host_dir / sub).mkdir(exist_ok=True)
        os.symlink(self.spec.book / "nnreg", self._host_dir / "book" / "nnreg")
        for path in self.spec.data_files:
            os.symlink(path, self._host_dir / "data" / path.name)

    def _read_info(self, fd: int) -> int:
        """The host PID of the sandbox's first process, from bwrap's --info-fd."""
        data = b""
        with os.fdopen(fd, "rb") as f:
            data = f.read()
        try:
            return int(json.loads(data)["child-pid"])
        except (ValueError, KeyError):
            self.process.wait(timeout=10)
            raise SandboxError(f"bubblewrap did not start the kernel: {self._stderr}") from None

    def _wait_for_sockets(self, info: dict, timeout: float) -> None:
        """Until the kernel has made its five sockets (ZeroMQ does not retry a Unix socket that is
        not there yet when it connects)."""
        ports = [info[f"{name}_port"] for name in ("shell", "iopub", "stdin", "control", "hb")]
        deadline = time.monotonic() + timeout
        while not all(os.path.exists(f"{info['ip']}-{port}") for port in ports):
            if self.process.poll() is not None:
                raise SandboxError(f"the kernel did not start ({self.exit_reason()}): "
                                   f"{str(self._stderr)[-2000:]}")
            if time.monotonic() > deadline:
                raise SandboxError(f"the kernel did not start in {timeout:.0f} s: {str(self._stderr)[-2000:]}")
            time.sleep(0.05)

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SandboxError(f"the kernel did not start (exit status {self.process.returncode}): "
                                   f"{str(self._stderr)[-2000:]}")
            msg_id = self.client.kernel_info()
            try:
                reply = self.client.get_shell_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            except queue.Empty:
                continue
        else:
            raise SandboxError(f"the kernel did not answer in {timeout:.0f} s: {str(self._stderr)[-2000:]}")
        # drain what the start-up published
        while True:
            try:
                self.client.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                break

    def cpu_seconds(self) -> float:
        """CPU time so far of the kernel and the processes it waited for (Linux; else 0)."""
        if self._child is not None:  # every process of the sandbox's PID namespace
            procs = list(Path(f"/proc/{self._child}/root/proc").glob("[0-9]*/stat"))
        else:
            procs = [Path(f"/proc/{self.process.pid}/stat")]
        ticks = 0
        for stat in procs:
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_reason(self) -> str:
        code = self.process.poll() if self.process else None
        if code is None:
            return "it stopped answering"
        if code < 0 or code > 128:  # killed by a signal (bwrap reports it as 128 + its number)
            number = -code if code < 0 else code - 128
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            why = {"SIGXCPU": "it used up its CPU time limit", "SIGXFSZ": "it wrote a file over the size limit",
                   "SIGKILL": "it was killed (by itself, or for memory)", "SIGSEGV": "it crashed (segmentation fault)",
                   "SIGABRT": "it aborted (a library gave up, often for memory)"}.get(name, "it got a signal")
            return f"{why} ({name})"
        return (f"the kernel's process exited with status {code} (os._exit, or the code ended the process "
                "in another way)")

    def stop(self) -> None:
        """Kill the kernel and everything of its sandbox."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.process is not None:
            if self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            if self.process.stderr:
                self.process.stderr.close()
        self._context.destroy(linger=0)
        shutil.rmtree(self._host_dir, ignore_errors=True)

    # -- running code -----------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Ask the kernel to interrupt its cell (KeyboardInterrupt), as JupyterLab's stop button."""
        msg = self.client.session.msg("interrupt_request", {})
        self.client.control_channel.send(msg)

    def run(self, code: str, timeout: float) -> CellRun:
        """Run one cell; at ``timeout`` seconds it is interrupted (status "timeout")."""
        started = time.monotonic()
        result = CellRun(status="ok")
        kept: dict[str, list[str]] = {"stdout": [], "stderr": []}
        budget = self.spec.output_limit

        def keep(text: str, stream: str = "stdout"):
            nonlocal budget
            if budget > 0:
                kept[stream].append(text[:budget])
            result.dropped += max(0, len(text) - max(budget, 0))
            budget -= len(text)

        msg_id = self.client.execute(code, allow_stdin=False, stop_on_error=False)
        shell, iopub = self.client.shell_channel.socket, self.client.iopub_channel.socket
        poller = zmq.Poller()
        poller.register(shell, zmq.POLLIN)
        poller.register(iopub, zmq.POLLIN)
        reply, idle, reply_at = None, False, 0.0
        deadline = started + timeout
        while not (reply and idle):
            now = time.monotonic()
            if reply and now - reply_at > 3:  # the idle status was lost: do not wait for it
                break
            if not reply and now > deadline:
                result.status = "timeout"
                break
            if not self.alive():
                result.status = "died"
                break
            events = dict(poller.poll(200))
            if shell in events:
                msg = self.client.get_shell_msg(timeout=0)
                if msg["parent_header"].get("msg_id") == msg_id:
                    reply, reply_at = msg["content"], time.monotonic()
            if iopub in events:
                while True:
                    try:
                        msg = self.client.get_iopub_msg(timeout=0)
                    except queue.Empty:
                        break
                    if msg["parent_header"].get("msg_id") != msg_id:
                        continue
                    kind, content = msg["msg_type"], msg["content"]
                    if kind == "stream":
                        keep(content.get("text", ""), "stderr" if content.get("name") == "stderr" else "stdout")
                    elif kind in ("execute_result", "display_data"):
                        data = content.get("data", {})
                        keep(data.get("text/plain", "") + "\n" if "text/plain" in data else "")
                    elif kind == "error":
                        keep(f"{content.get('ename')}: {content.get('evalue')}\n", "stderr")
                    elif kind == "status" and content.get("execution_state") == "idle":
                        idle = True
        if reply is not None and reply.get("status") == "error":
            result.status = "error"
            result.ename = str(reply.get("ename", ""))[:200]
            result.evalue = str(reply.get("evalue", ""))[: self.spec.output_limit]
        result.output, result.stderr = "".join(kept["stdout"]), "".join(kept["stderr"])
        result.seconds = time.monotonic() - started
        return result

    def stop_running_cell(self, grace: float = 5) -> bool:
        """After a timeout: interrupt, and wait ``grace`` seconds for the kernel to be idle again.
        False when it is not (it ignored the interrupt): the kernel should then be stopped."""
        if not self.alive():
            return False
        self.interrupt()
        probe = self.run("", timeout=grace)
        self._stuck = probe.status != "ok"
        return not self._stuck
