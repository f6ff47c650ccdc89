"""The fault suite's installation: `sohoa serve` and `sohoa worker` on a private Redis (broker and results), a
private PostgreSQL cluster (catalogue), SeaweedFS (vault) and the certomancer TSA, each of which a test may stop.

`FaultRun` sends the three-document QR batch, waits for the moment to inject a fault, and checks the end state:
every document done (or failed with its reason), none lost or duplicated, `vault fsck` clean, `audit verify` intact.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, text

from api.client import StationClient
from core.types import Role
from tests.e2e.conftest import AGENCY, ScanSet
from tests.support.pki import RunningPki
from tests.support.s3server import SeaweedServer
from tests.support.servers import PostgresCluster, RedisServer
from tests.support.stack import SohoaStack
from tests.support.uploads import station_manifest
from vault.store import S3Store

Document = dict[str, Any]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def fault_env(tmp: Path, pki: RunningPki, redis_url: str, catalogue: str, seaweed: SeaweedServer) -> dict[str, str]:
    """Production-like settings with short waits: redelivery after 30 s, leases of 15 s, back-off up to 8 s."""
    password = tmp / "officer.password"
    password.write_text(pki.password)
    endpoint = seaweed.endpoint
    return {
        "SOHOA_SIGNING_TSA_URL": pki.tsa_url,
        "SOHOA_SIGNING_TRUST_DIR": str(pki.trust_dir),
        "SOHOA_INGEST_OFFICER_P12": str(pki.identity("officer").p12),
        "SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE": str(password),
        "SOHOA_INGEST_BROKER_URL": redis_url,
        "SOHOA_INGEST_VISIBILITY_TIMEOUT_SECONDS": "30",
        "SOHOA_INGEST_LEASE_SECONDS": "15",
        "SOHOA_INGEST_RETRY_BACKOFF_MAX_SECONDS": "8",
        "SOHOA_INGEST_MAX_RETRIES": "12",
        "SOHOA_VAULT_DATABASE_URL": catalogue,
        "SOHOA_VAULT_S3_ENDPOINT": endpoint.endpoint,
        "SOHOA_VAULT_S3_ACCESS_KEY": endpoint.access_key,
        "SOHOA_VAULT_S3_SECRET_KEY": endpoint.secret_key,
        "SOHOA_VAULT_S3_BUCKET": "sohoa-faults-" + re.sub(r"[^a-z0-9-]", "-", tmp.name.lower())[-20:],
    }


@dataclass
class FaultRun:
    """One installation under test and the batch it is given."""

    stack: SohoaStack
    catalogue: str
    scan_set: ScanSet

    @property
    def client(self) -> StationClient:
        return StationClient(self.stack.url, self.stack.token(Role.STATION, "QT-01", agency=AGENCY))

    def upload(self) -> str:
        manifest = station_manifest("qr", dossier_code=None)
        return str(self.client.upload(self.scan_set.files, manifest)["batch_id"])

    def when(self, batch_id: str, moment: Callable[[Document], bool], timeout: float = 300.0) -> Document:
        """Poll the batch until one of its documents is at `moment` (e.g. running its signing step); that one."""
        client = self.client
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for document in client.batch(batch_id)["documents"]:
                if moment(document):
                    return document
            time.sleep(0.05)
        raise AssertionError(f"no document reached the moment in {timeout} s: {self.stack.log_tail('worker')}")

    def finish(self, batch_id: str, timeout: float = 600.0) -> dict[str, Any]:
        return self.client.wait(batch_id, interval=0.5, timeout=timeout)

    def count(self, query: str) -> int:
        engine = create_engine(self.catalogue)
        try:
            with engine.connect() as connection:
                return int(connection.execute(text(query)).scalar_one())
        finally:
            engine.dispose()

    def stored_objects(self) -> list[Any]:
        env, keys = self.stack.env, self.stack.keys()
        store = S3Store(
            env["SOHOA_VAULT_S3_ENDPOINT"],
            env["SOHOA_VAULT_S3_ACCESS_KEY"],
            env["SOHOA_VAULT_S3_SECRET_KEY"],
            env["SOHOA_VAULT_S3_BUCKET"],
            sse="ssec",
            sse_key=Path(keys["SOHOA_VAULT_SSE_KEY_FILE"]).read_bytes(),
        )
        return [obj for obj in store.iter_objects() if not obj.is_delete_marker]

    def assert_intact(self, final: dict[str, Any], stored: int = 3) -> None:
        """`stored` documents in the vault once each, the rest failed with a reason, nothing left running,
        staging gone, `sohoa vault fsck` clean and `sohoa audit verify` intact."""
        log = self.stack.log_tail("worker", 80)
        documents = final["documents"]
        assert len(documents) == 3, final
        assert [d["status"] for d in documents].count("done") == stored, (final, log)
        assert all(d["error"] for d in documents if d["status"] == "failed"), final
        assert self.count("select count(*) from documents") == stored, log  # none lost, none duplicated
        assert len({d["id"] for d in documents if d["status"] == "done"}) == stored
        assert len(self.stored_objects()) == stored  # one object version each: no second copy
        assert self.count("select count(*) from ingest_batch_documents where status in ('queued', 'running')") == 0
        staging = self.stack.data_dir / "ingest" / "batches" / final["batch_id"]
        assert not staging.exists() or not any(staging.iterdir()), list(staging.rglob("*"))
        fsck = self.stack.cli("vault", "fsck")
        assert fsck.returncode == 0 and fsck.stdout.strip().endswith("clean"), (fsck.stdout, fsck.stderr)
        audit = self.stack.cli("audit", "verify")
        assert audit.returncode == 0 and "intact" in audit.stdout, (audit.stdout, audit.stderr)


@dataclass
class FaultWorld:
    """The shared servers a fault run is built on (session-wide), and the test's own folder."""

    tmp_path: Path
    pki: RunningPki
    seaweed: SeaweedServer
    redis_server: RedisServer
    pg_cluster: PostgresCluster
    scan_set: ScanSet

    def run(
        self, extra_env: dict[str, str] | None = None, before_start: Callable[[Path], None] | None = None
    ) -> FaultRun:
        """A fresh installation (its own catalogue database, an emptied broker, its own bucket), server started;
        `before_start` is handed the data folder first (e.g. to mount a small disk in it)."""
        if self.redis_server.process is None:  # a test that stopped it failed before starting it again
            self.redis_server.start()
        redis.Redis.from_url(self.redis_server.url).flushall()
        name = "faults_" + re.sub(r"[^a-z0-9]", "_", self.tmp_path.name.lower())[-40:]
        catalogue = self.pg_cluster.create_database(name)
        env = fault_env(self.tmp_path, self.pki, self.redis_server.url, catalogue, self.seaweed)
        stack = SohoaStack(self.tmp_path / "data", {**env, **(extra_env or {})})
        stack.data_dir.mkdir()
        if before_start is not None:
            before_start(stack.data_dir)
        try:
            stack.start_server(timeout=180)  # the shared 2-core machine can be slow to start it
        except BaseException:
            stack.stop()
            raise
        return FaultRun(stack, catalogue, self.scan_set)


@pytest.fixture
def fault_world(
    tmp_path: Path,
    pki: RunningPki,
    seaweed: SeaweedServer,
    redis_server: RedisServer,
    pg_cluster: PostgresCluster,
    scan_set: ScanSet,
) -> FaultWorld:
    return FaultWorld(tmp_path, pki, seaweed, redis_server, pg_cluster, scan_set)


@pytest.fixture
def fault_run(fault_world: FaultWorld) -> Iterator[FaultRun]:
    """The installation with the default fault settings."""
    run = fault_world.run()
    yield run
    run.stack.stop()
