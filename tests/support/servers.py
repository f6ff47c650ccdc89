"""Private backing servers a fault test may stop and restart without touching the machine's shared ones: a
redis-server and a PostgreSQL cluster (initdb + pg_ctl), each in a temporary folder on a free loopback port.
"""

from __future__ import annotations

import os
import shutil
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
        self.root.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root)]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"]
        log = (self.root / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        _wait_port(self.port, timeout, self.process)

    def stop(self) -> None:
        """SIGTERM (redis writes its file and exits), as `systemctl restart redis` would."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


@dataclass
class PostgresCluster:
    """A PostgreSQL 15 cluster of our own, run as the `postgres` user (initdb refuses root), trust auth. Its
    folder is a new one under the system's temporary folder (pytest's are 0700 root: `postgres` cannot enter)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sohoa-pg-")))
    port: int = field(default_factory=free_port)

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
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        log = str(self.root / "postgres.log")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start")
        _wait_port(self.port, timeout)

    def stop(self, mode: str = "fast") -> None:
        """`fast` closes every session (a restart); `immediate` is a crash."""
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def remove(self) -> None:
        """Stop the cluster if it runs and delete its folder."""
        if (self.data / "postmaster.pid").exists():
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
