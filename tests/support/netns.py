"""Machines that share nothing, on one test machine (root only): network namespaces joined by veth pairs to a
bridge in a "services" namespace, each host process with its own host name (a UTS namespace) and data folder.

`NetLab.host(name)` adds a namespace at the next address; `NetLab.run(...)` starts a process in it;
`NetLab.inside(name)` runs the test's own code there (servers started from it bind in that namespace);
`cut(name)` takes a host's link down, `kill(name)` kills every process in it; `close()` removes everything.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import ending_with_us, own

CLONE_NEWNET = 0x40000000
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def _setns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


def available() -> str | None:
    """Why a lab cannot be made here (not root; no `ip`, `unshare`, redis-server or PostgreSQL 15), or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = [tool for tool in ("ip", "unshare", "runuser", "redis-server") if shutil.which(tool) is None]
    missing += [str(PG_BIN / "initdb")] if not (PG_BIN / "initdb").exists() else []
    return f"missing {', '.join(missing)}" if missing else None


@dataclass
class NetLab:
    """A bridge `br0` at `<subnet>.1` in the services namespace; host N at `<subnet>.N` on its own veth."""

    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    subnet: str = field(default_factory=lambda: f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250)}")
    hosts: dict[str, str] = field(default_factory=dict)  # name → address
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    listeners: list[socket.socket] = field(default_factory=list)

    def ns(self, name: str) -> str:
        return f"sohoa-{self.tag}-{name}"

    @property
    def services_address(self) -> str:
        return f"{self.subnet}.1"

    def open(self) -> NetLab:
        services = self.ns("services")
        _ip("netns", "add", services)
        _ip("-n", services, "link", "set", "lo", "up")
        _ip("-n", services, "link", "add", "br0", "type", "bridge")
        _ip("-n", services, "addr", "add", f"{self.services_address}/24", "dev", "br0")
        _ip("-n", services, "link", "set", "br0", "up")
        return self

    def host(self, name: str) -> str:
        """A new host namespace linked to the bridge; its address."""
        address = f"{self.subnet}.{len(self.hosts) + 2}"
        namespace, services = self.ns(name), self.ns("services")
        peer = f"v{self.tag}{len(self.hosts)}"  # under 15 characters
        _ip("netns", "add", namespace)
        _ip("-n", namespace, "link", "set", "lo", "up")
        _ip("-n", services, "link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        _ip("-n", services, "link", "set", peer, "master", "br0", "up")
        _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
        _ip("-n", namespace, "link", "set", "eth0", "up")
        self.hosts[name] = address
        return address

    def command(self, name: str, argv: list[str]) -> list[str]:
        """`argv` run in the host's namespace under its own host name."""
        script = 'hostname "$0" && exec "$@"'
        return ["ip", "netns", "exec", self.ns(name), "unshare", "--uts", "--", "sh", "-c", script, name, *argv]

    def run(self, name: str, argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as sink:
            process = subprocess.Popen(
                self.command(name, argv), env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    @contextmanager
    def inside(self, name: str) -> Iterator[None]:
        """This thread in the host's network namespace (processes it starts stay there), then back."""
        home = os.open("/proc/self/ns/net", os.O_RDONLY)
        try:
            _setns(f"/run/netns/{self.ns(name)}")
            yield
        finally:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.setns(home, CLONE_NEWNET)
            os.close(home)

    def forward(self, name: str, port: int) -> None:
        """Make the test machine's `127.0.0.1:port` (an outside service such as the test PKI's TSA and CRLs)
        answer on `127.0.0.1:port` inside the host's namespace: a relay thread of this process."""
        with self.inside(name):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self.listeners.append(listener)
        threading.Thread(target=_relay_accept, args=(listener, port), daemon=True).start()

    def cut(self, name: str) -> None:
        """The host's link goes down: its processes run on but reach nobody, and nobody reaches them."""
        _ip("-n", self.ns(name), "link", "set", "eth0", "down")

    def pids(self, name: str) -> list[int]:
        done = subprocess.run(["ip", "netns", "pids", self.ns(name)], capture_output=True, text=True, check=False)
        return [int(pid) for pid in done.stdout.split()]

    def kill(self, name: str) -> None:
        """SIGKILL every process in the host's namespace (a machine losing power)."""
        for pid in self.pids(name):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        for listener in self.listeners:
            with suppress(OSError):
                listener.close()
        for name in [*self.hosts, "services"]:
            self.kill(name)
        for process in self.processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        time.sleep(0.2)
        for name in [*self.hosts, "services"]:
            subprocess.run(["ip", "netns", "del", self.ns(name)], capture_output=True, check=False)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _relay_accept(listener: socket.socket, port: int) -> None:
    while True:
        try:
            inside, _ = listener.accept()
        except OSError:
            return  # closed
        try:
            outside = socket.create_connection(("127.0.0.1", port), timeout=10)  # this thread: the root namespace
        except OSError:
            inside.close()
            continue
        outside.settimeout(None)
        threading.Thread(target=_pump, args=(inside, outside), daemon=True).start()
        threading.Thread(target=_pump, args=(outside, inside), daemon=True).start()


def wait_port(address: str, port: int, timeout: float = 30.0) -> None:
    """Until something accepts on `address:port` (from this thread's namespace)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((address, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def start_redis(lab: NetLab, root: Path, port: int = 6379) -> str:
    """A private redis-server in the services namespace on the bridge address; its URL."""
    own(root).mkdir(parents=True, exist_ok=True)
    argv = ["redis-server", "--port", str(port), "--bind", lab.services_address, "--dir", str(root)]
    argv += ["--save", "", "--appendonly", "no", "--protected-mode", "no"]
    lab.run("services", ending_with_us(argv), env=dict(os.environ), log=root / "redis.log")
    with lab.inside("services"):
        wait_port(lab.services_address, port)
    return f"redis://{lab.services_address}:{port}/0"


def _as_postgres(*argv: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True, check=False, timeout=120)


def start_postgres(lab: NetLab, port: int = 5432) -> tuple[str, Path]:
    """A private PostgreSQL 15 cluster in the services namespace (run as `postgres`: initdb refuses root), trust
    authentication from the lab's subnet; the URL of its `sohoa` database and the folder to remove afterwards.
    The postmaster is one of the lab's processes (not daemonised by pg_ctl): it ends with the lab or the test
    process; a start that fails removes its folder (`NetLab.close` ends the process)."""
    root = own(Path(tempfile_dir("sohoa-netlab-pg-")))
    try:
        shutil.chown(root, "postgres", "postgres")
        data = root / "data"
        _as_postgres(
            str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"
        ).check_returncode()
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {lab.subnet}.0/24 trust\n")
        options = ["-p", str(port), "-k", str(root), "-c", f"listen_addresses={lab.services_address}"]
        options += ["-c", "fsync=off", "-c", "max_connections=200"]
        argv = ending_with_us([str(PG_BIN / "postgres"), "-D", str(data), *options], user="postgres", signal_name="INT")
        lab.run("services", argv, env=dict(os.environ), log=root / "postgres.log")
        with lab.inside("services"):
            wait_port(lab.services_address, port)
        create = [str(PG_BIN / "createdb"), "-h", str(root), "-p", str(port), "-U", "postgres", "sohoa"]
        deadline = time.monotonic() + 30
        while (done := _as_postgres(*create)).returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.2)  # the port opens before the cluster accepts sessions ("starting up")
        done.check_returncode()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return f"postgresql+psycopg://postgres@{lab.services_address}:{port}/sohoa", root


def stop_postgres(lab: NetLab, root: Path) -> None:
    """Stop the cluster (a crash: `NetLab.close` has usually ended it already) and remove its folder."""
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop")
    shutil.rmtree(root, ignore_errors=True)


def tempfile_dir(prefix: str) -> str:
    """A folder under /tmp that another user (postgres) can reach (pytest's own folders are root-only)."""
    import tempfile

    folder = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(folder, 0o755)
    return folder
