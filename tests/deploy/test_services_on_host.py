"""Each sohoa service of compose.yaml run on this host with the compose file's own command and environment,
pointed at the local PostgreSQL (a private schema), Redis and a SeaweedFS S3 server, its secrets as files in a
private folder: the API refuses the schema until the migrate job ran, then every service becomes healthy by
its own compose health check (the API's /readyz, the worker's `celery inspect ping`, the beat's pid)."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID

from tests.deploy.test_compose import SERVICES
from tests.support.pgschema import private_schema
from tests.support.s3server import S3Endpoint, s3_server
from tests.support.stack import free_port
from tests.vault.conftest import PG_URL

REDIS_URL = os.environ.get("SOHOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
BIN = Path(sys.executable).parent
# What the operator sets in the shell for `docker compose up` (compose.yaml's ${...} variables).
OPERATOR = {
    "SOHOA_SIGNING_TSA_URL": "http://127.0.0.1:9/tsa",  # not reached: nothing is signed here
    "SOHOA_API_OIDC_DISCOVERY_URL": "http://127.0.0.1:9/.well-known/openid-configuration",
    "SOHOA_API_JWT_ISSUER": "https://sso.example.gov.vn",
}
COMPOSE_HOSTS = re.compile(r"\b(postgres|redis|minio):\d+")

# The broker is the xdist worker's own Redis database (tests/conftest.py); RabbitMQ's one `celery` queue is kept to
# one worker by the `rabbitmq` group of `any_broker` (tests/e2e/conftest.py).
pytestmark = pytest.mark.slow


def _interpolate(value: str) -> str:
    """Compose's `${NAME:-default}` / `${NAME:?message}` from the operator's shell variables."""

    def one(match: re.Match[str]) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if name in OPERATOR:
            return OPERATOR[name]
        if operator == ":?":
            raise AssertionError(f"compose needs {name}: {rest}")
        return rest

    return re.sub(r"\$\{(\w+)(:[-?])([^}]*)\}", one, value)


def _officer_p12(path: Path, password: bytes) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cán bộ số hóa")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder(subject_name=name, issuer_name=name, public_key=key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"officer", key, cert, None, BestAvailableEncryption(password))
    )


def _secret_files(folder: Path, endpoint: S3Endpoint) -> None:
    """The files of compose's `secrets:` that the sohoa services mount, each mode 0600 in a 0700 folder."""
    folder.mkdir(mode=0o700)
    password = secrets.token_hex(8).encode()
    files = {
        "owner.key": secrets.token_bytes(32),
        "web-session.key": secrets.token_bytes(32),
        "sohoa_vault_s3_secret_key": endpoint.secret_key.encode(),
        "pgpass": b"127.0.0.1:5432:*:postgres:unused-with-trust-auth\n",
        "officer.p12.password": password,
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    _officer_p12(folder / "officer.p12", password)
    for path in folder.iterdir():
        path.chmod(0o600)


class Host:
    """The services' processes on this host, each with compose's environment made local."""

    def __init__(self, root: Path, catalogue_url: str, endpoint: S3Endpoint) -> None:
        self.root = root
        self.secrets = root / "run-secrets"
        _secret_files(self.secrets, endpoint)
        self.api_port = free_port()
        self.metrics_port = free_port()
        self.worker_host = f"sohoa-worker-{secrets.token_hex(4)}"  # the container's host name
        self.local = {  # compose's service addresses, as this host reaches them
            "SOHOA_VAULT_DATABASE_URL": catalogue_url,
            "SOHOA_VAULT_S3_ENDPOINT": endpoint.endpoint,
            "SOHOA_VAULT_S3_ACCESS_KEY": endpoint.access_key,
            "SOHOA_INGEST_BROKER_URL": REDIS_URL,
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def _local(self, text: str) -> str:
        text = re.sub(r"(?<![\w/.-])/tmp/", f"{self.root}/tmp-", text)
        text = text.replace("/run/secrets", str(self.secrets))
        return text.replace("$$", "$")

    def environment(self, service: str) -> dict[str, str]:
        compose = {key: _interpolate(str(value)) for key, value in SERVICES[service]["environment"].items()}
        for key, value in compose.items():
            assert not COMPOSE_HOSTS.search(value) or key in self.local, f"{key}={value}: no local equivalent"
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PG"))}
        environment |= {key: self._local(value) for key, value in compose.items()} | self.local
        environment["PATH"] = f"{BIN}:{environment['PATH']}"
        # Each service's own disk: its named volume (the API's spool, beat's schedule), else the container's
        # anonymous one. The API and the workers share none (batches wait in the object store).
        volume = SERVICES[service].get("volumes", [f"{service}-own"])[0].split(":")[0]
        environment["SOHOA_DATA_DIR"] = str(self.root / volume)
        if "SOHOA_INGEST_METRICS_PORT" in environment:  # the container's port, free on this shared host
            environment["SOHOA_INGEST_METRICS_PORT"] = str(self.metrics_port)
        environment["HOSTNAME"] = self.worker_host  # what Docker sets in the worker's container
        environment["SOHOA_INGEST_WORKER_NAME"] = f"celery@{self.worker_host}"  # %h in that container
        return environment

    def command(self, service: str) -> list[str]:
        command = [self._local(part) for part in SERVICES[service]["command"]]
        if "--port" in command:  # the container's port, free on this shared host
            command[command.index("--port") + 1] = str(self.api_port)
        return command

    def run(self, service: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(service), env=self.environment(service), capture_output=True, text=True, timeout=300
        )

    def start(self, service: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{service}.log", "wb")  # noqa: SIM115 - the child keeps writing to it
        process = subprocess.Popen(
            self.command(service), env=self.environment(service), stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        self.processes.append(process)
        return process

    def healthcheck(self, service: str) -> int:
        """Run the service's compose health check as Docker would (CMD or CMD-SHELL) with its environment."""
        test = SERVICES[service]["healthcheck"]["test"]
        argv = ["sh", "-c", self._local(test[1])] if test[0] == "CMD-SHELL" else [self._local(t) for t in test[1:]]
        if argv[0] == "python":
            argv[0] = sys.executable
        argv = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{self.api_port}") for arg in argv]
        # Compose's timeout, tripled: on this shared 2-core machine starting the check's Python alone can take it.
        timeout = 3 * int(str(SERVICES[service]["healthcheck"]["timeout"]).removesuffix("s"))
        try:
            return subprocess.run(argv, env=self.environment(service), capture_output=True, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return -1

    def log(self, service: str) -> str:
        return (self.root / f"{service}.log").read_text(errors="replace")[-3000:]

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    raise AssertionError(f"{what}: not healthy after {timeout} s")


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    with s3_server(tmp_path / "s3") as endpoint, private_schema(PG_URL, "compose_test", migrated=False) as url:
        running = Host(tmp_path, url, endpoint)
        yield running
        for process in running.processes:
            running.stop(process)


def test_each_service_becomes_healthy_with_the_compose_command_and_environment(host: Host) -> None:
    refused = host.run("api")  # no migrations yet, and the API never migrates by itself
    assert refused.returncode == 2, refused.stderr
    assert "schema is out of date" in refused.stderr and "run `sohoa migrate`" in refused.stderr

    migrated = host.run("migrate")
    assert migrated.returncode == 0 and "catalogue is up to date" in migrated.stdout, migrated.stderr

    api, worker, beat = host.start("api"), host.start("worker"), host.start("beat")
    for service, process in (("api", api), ("worker", worker), ("beat", beat)):

        def healthy(service: str = service, process: subprocess.Popen[bytes] = process) -> bool:
            assert process.poll() is None, f"{service} exited: {host.log(service)}"
            return host.healthcheck(service) == 0

        wait_until(healthy, service)
    readiness = httpx.get(f"http://127.0.0.1:{host.api_port}/readyz", timeout=10).json()
    assert readiness == {
        "status": "ready",
        "checks": {"database": "ok", "object_store": "ok", "broker": "ok", "disk": "ok"},
    }
    assert not (host.root / "sohoa-data" / "secrets").exists()  # the keys came from the operator's files
    metrics = httpx.get(f"http://127.0.0.1:{host.metrics_port}/metrics", timeout=10).text  # deploy/prometheus.yml
    assert "sohoa_pipeline_pages_total" in metrics and "sohoa_queue_depth" in metrics

    # The checks can fail: a worker that is gone no longer answers its name, a stopped beat has no process.
    host.stop(worker)
    host.stop(beat)
    assert host.healthcheck("worker") != 0
    assert host.healthcheck("beat") != 0
