"""A running sohoa for end-to-end tests: `sohoa serve` and `sohoa worker` as real processes on loopback,
configured by environment variables only (broker, S3 server, PKI), with tokens for each role signed by a test
issuer whose public key the server is given (`SOHOA_API_JWT_PUBLIC_KEY_FILE`): outside the embedded default the
server refuses development tokens.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.settings import ApiSettings
from api.tokens import sign_token
from core.types import Role
from runtime.cli import stop_worker_group
from tests.support.pki import free_port


@dataclass
class SohoaStack:
    """The server and worker processes of one sohoa installation, sharing a data folder."""

    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    issuer_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    # The embedded default's development sign-in (web pages): no token key source, so development tokens are it.
    development_sign_in: bool = False

    @property
    def issuer_public_key_file(self) -> Path:
        """The test issuer's public key, written next to the data folder (not inside: no development key)."""
        path = self.data_dir.parent / "test-issuer-public.pem"
        if not path.exists():
            path.write_bytes(
                self.issuer_key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
        return path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
        environment.update(self.keys())
        environment.update(self.env)
        environment["SOHOA_DATA_DIR"] = str(self.data_dir)
        if not self.development_sign_in:
            environment.setdefault("SOHOA_API_JWT_PUBLIC_KEY_FILE", str(self.issuer_public_key_file))
        environment["SOHOA_API_PORT"] = str(self.port)
        environment["OMP_THREAD_LIMIT"] = "1"
        return environment

    def _log(self, name: str) -> int:
        handle = os.open(self.data_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return handle

    def keys(self) -> dict[str, str]:
        """The settings naming this installation's key files (beside its data folder, as an operator keeps them)."""
        return operator_keys(self.data_dir.parent / f"{self.data_dir.name}-keys")

    def migrate(self) -> None:
        """`sohoa migrate`, as the deployment's one-shot job runs it before the API and the workers start."""
        subprocess.run([sys.executable, "-m", "cli", "migrate"], env=self._environment(), check=True, timeout=300)

    def start_server(self, *, embedded_worker: bool = False, timeout: float = 60.0) -> None:
        self.migrate()
        command = [sys.executable, "-m", "cli", "serve", "--worker" if embedded_worker else "--no-worker"]
        log = self._log("server")
        self.server = subprocess.Popen(command, env=self._environment(), stdout=log, stderr=log, start_new_session=True)
        os.close(log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"sohoa serve exited: {self.log_tail('server')}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"sohoa serve did not answer in {timeout} s: {self.log_tail('server')}")

    def start_worker(
        self, concurrency: int = 2, *, hostname: str | None = None, beat: bool = False
    ) -> subprocess.Popen[bytes]:
        """`sohoa worker` (with `beat`, `--beat`); with `hostname`, in a UTS namespace of its own under that host
        name (root only), as a worker on another machine sharing the catalogue, broker and staging would be."""
        log = self._log("worker")
        command = [sys.executable, "-m", "cli", "worker", f"--concurrency={concurrency}", *(["--beat"] if beat else [])]
        if hostname is not None:
            command = ["unshare", "--uts", "sh", "-c", f'hostname "{hostname}" && exec "$@"', "sh", *command]
        worker = subprocess.Popen(
            command,
            env=self._environment(),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        os.close(log)
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and every process it started (its pool children), as a crash would."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def cli(self, *arguments: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
        """A `sohoa` command run with this installation's settings (e.g. `vault fsck`, `audit verify`)."""
        command = [sys.executable, "-m", "cli", *arguments]
        return subprocess.run(
            command, env=self._environment(), capture_output=True, text=True, timeout=timeout, check=False
        )

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.data_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def token(
        self, role: Role, subject: str, *, agency: str | None = None, owner: str | None = None, name: str | None = None
    ) -> str:
        if self.development_sign_in:  # minted from the installation's own development key, as `sohoa token` does
            command = [sys.executable, "-m", "cli", "token", "--role", role.value, "--sub", subject]
            command += [*(["--agency", agency] if agency else []), *(["--owner", owner] if owner else [])]
            command += ["--name", name] if name else []
            minted = subprocess.run(command, env=self._environment(), capture_output=True, text=True, check=True)
            return minted.stdout.strip()
        return sign_token(
            self.issuer_key,
            ApiSettings(),
            role=role,
            subject=subject,
            agency_code=agency,
            owner_id=owner,
            name=name,
        )

    def stop(self) -> None:
        for worker in self.workers:
            stop_worker_group(worker, grace_seconds=20)
        self.workers.clear()
        if self.server is not None:
            # The server and, on the embedded default, the worker it started, which it gives 20 s itself: a shorter
            # wait would kill the server first and leave that worker running.
            stop_worker_group(self.server, grace_seconds=40)
        self.server = None


def operator_keys(folder: Path) -> dict[str, str]:
    """The owner partition, SSE-C and web session key files (mode 0600) an operator gives every host, made once."""
    folder.mkdir(mode=0o700, exist_ok=True)
    settings = {}
    for setting, name in (
        ("SOHOA_OWNER_KEY_FILE", "owner.key"),
        ("SOHOA_VAULT_SSE_KEY_FILE", "vault-sse.key"),
        ("SOHOA_WEB_SESSION_KEY_FILE", "web-session.key"),
    ):
        path = folder / name
        if not path.exists():
            path.write_bytes(secrets.token_bytes(32))
            path.chmod(0o600)
        settings[setting] = str(path)
    return settings
