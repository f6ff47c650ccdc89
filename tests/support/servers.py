"""Private backing servers a fault test may stop and restart without touching the machine's shared ones: a
redis-server and a PostgreSQL cluster (initdb, then `postgres` as a child), each in a temporary folder on a free
loopback port. Each is a child of the test process that ends with it (`ending_with_us`), and a start that fails
or is interrupted stops what it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.pki import free_port
from tests.support.processes import ending_with_us, own

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _wait_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port} after {timeout} s")


def _spawn(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    """A server as a child of its own session (a Ctrl-C reaches the tests, whose teardown stops it)."""
    with log.open("ab") as sink:
        return subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)


def _end(process: subprocess.Popen[bytes], sig: int, timeout: float) -> None:
    """`sig`, then SIGKILL when the server has not ended within `timeout` seconds; reaped either way."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@dataclass
class RedisServer:
    """A redis-server of our own (append-only file, so a restart keeps the queued tasks as a real one would)."""

    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> None:
        own(self.root).mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root)]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"]
        self.process = _spawn(ending_with_us(command), self.root / "redis.log")
        try:
            _wait_port(self.port, timeout, self.process)
        except BaseException:  # not answering in time, or interrupted: nothing left running
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM (redis writes its file and exits), as `systemctl restart redis` would; SIGKILL after 20 s."""
        if self.process is not None:
            _end(self.process, signal.SIGTERM, timeout=20)
        self.process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


STOP_SIGNALS = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}  # pg_ctl's modes


def _wait_ready(port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Until the postmaster accepts sessions (`pg_isready`, as `pg_ctl -w start` waits), or it exits."""
    deadline = time.monotonic() + timeout
    ready = [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "1"]
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"postgres on port {port} exited with code {process.returncode}")
        if subprocess.run(ready, check=False, timeout=30).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"postgres on 127.0.0.1:{port} is not ready after {timeout} s")


@dataclass
class PostgresCluster:
    """A PostgreSQL 15 cluster of our own, run as the `postgres` user (initdb refuses root), trust auth. Its
    folder is a new one under the system's temporary folder (pytest's are 0700 root: `postgres` cannot enter)."""

    root: Path = field(default_factory=lambda: own(Path(tempfile.mkdtemp(prefix="sohoa-pg-"))))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.root / "pgdata"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self, timeout: float = 30.0) -> None:
        """The postmaster as a child of the test process (not daemonised by pg_ctl), until it accepts sessions."""
        options = ["-p", str(self.port), "-k", str(self.root), "-c", "listen_addresses=127.0.0.1"]
        options += ["-c", "fsync=off", "-c", "max_connections=200"]
        user = "postgres" if os.geteuid() == 0 else None
        argv = ending_with_us([str(PG_BIN / "postgres"), "-D", str(self.data), *options], user=user, signal_name="INT")
        self.process = _spawn(argv, self.root / "postgres.log")
        try:
            _wait_ready(self.port, timeout, self.process)
        except BaseException:
            self.stop("immediate")
            raise

    def stop(self, mode: str = "fast") -> None:
        """`smart` waits for the sessions to end, `fast` closes them (a restart), `immediate` is a crash."""
        if self.process is not None:
            _end(self.process, STOP_SIGNALS[mode], timeout=60)
        self.process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def remove(self) -> None:
        """Stop the cluster if it runs and delete its folder."""
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        self._as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)


@dataclass
class Tmpfs:
    """A small tmpfs mounted at `path` (root only): a disk that really fills up."""

    path: Path
    size_bytes: int

    def mount(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_bytes},mode=0700", "tmpfs", str(self.path)], check=True
        )
        if not os.path.ismount(self.path):
            raise RuntimeError(f"could not mount a tmpfs at {self.path}")

    def unmount(self) -> None:
        if os.path.ismount(self.path):
            subprocess.run(["umount", "-l", str(self.path)], check=True)

    def fill(self, leave_bytes: int) -> Path:
        """Write a filler file until only about `leave_bytes` stay free; returns it (delete it to free space)."""
        filler = self.path / "filler.bin"
        free = shutil.disk_usage(self.path).free
        with filler.open("ab") as handle:
            chunk = b"\0" * (1 << 20)
            remaining = max(free - leave_bytes, 0)
            while remaining > 0:
                try:
                    handle.write(chunk[: min(len(chunk), remaining)])
                    handle.flush()
                except OSError:
                    break
                remaining -= min(len(chunk), remaining)
        return filler

    @contextmanager
    def held_full(self) -> Iterator[Path]:
        """Keep the disk full until the block ends: space that others free (a finished document's staging) is
        taken again at once, so every write in the block meets a full disk. The filler is deleted after."""
        filler, stop = self.path / "filler.bin", threading.Event()

        def hog() -> None:
            with filler.open("ab", buffering=0) as handle:
                while not stop.is_set():
                    try:
                        while handle.write(b"\0" * 4096):
                            pass
                    except OSError:
                        stop.wait(0.005)

        thread = threading.Thread(target=hog, name="disk-hog", daemon=True)
        thread.start()
        try:
            while shutil.disk_usage(self.path).free > 4096:
                time.sleep(0.01)
            yield filler
        finally:
            stop.set()
            thread.join()
            filler.unlink(missing_ok=True)
