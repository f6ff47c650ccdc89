"""Machines that share nothing: the API and two workers, each in its own network namespace with its own host name
and data folder, reach Redis, PostgreSQL and the S3 server (SeaweedFS) in a services namespace over veth links.
A batch goes through; the link of the worker holding a document is cut mid-batch and the other worker finishes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.settings import ApiSettings
from api.tokens import sign_token
from core.types import Role
from tests.e2e.conftest import AGENCY, ScanSet
from tests.support import netns
from tests.support.pki import RunningPki
from tests.support.s3server import SeaweedServer
from tests.support.stack import operator_keys
from tests.support.uploads import station_manifest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(netns.available() is not None, reason=str(netns.available()))]

OWNER = "045190001234"
STAGING_BUCKET = "sohoa-staging"


@dataclass
class Hosts:
    lab: netns.NetLab
    env: dict[str, str]
    root: Path
    database_url: str
    seaweed: SeaweedServer
    issuer_key: Ed25519PrivateKey

    def data_dir(self, host: str) -> Path:
        return self.root / host / "data"

    def environment(self, host: str) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
        return {**environment, **self.env, "SOHOA_DATA_DIR": str(self.data_dir(host)), "OMP_THREAD_LIMIT": "1"}

    def sohoa(self, host: str, *args: str) -> list[str]:
        return [sys.executable, "-m", "cli", *args]

    def start(self, host: str, *args: str) -> None:
        self.data_dir(host).mkdir(parents=True, exist_ok=True)
        self.lab.run(host, self.sohoa(host, *args), env=self.environment(host), log=self.root / f"{host}.log")

    def log(self, host: str) -> str:
        return (self.root / f"{host}.log").read_text(errors="replace")[-4000:]

    @property
    def api_url(self) -> str:
        return f"http://{self.lab.hosts['api']}:8000"

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        token = sign_token(self.issuer_key, ApiSettings(), role=Role.STATION, subject="QT-01", agency_code=AGENCY)
        with self.lab.inside("services"), httpx.Client(timeout=60) as client:
            return client.request(method, self.api_url + path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def query(self, sql: str) -> list[Any]:
        with self.lab.inside("services"):
            engine = sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)
            with engine.connect() as connection:
                return list(connection.execute(sa.text(sql)).all())


def _environment(lab: netns.NetLab, root: Path, pki: RunningPki, redis_url: str, database_url: str) -> dict[str, str]:
    password = root / "officer.password"
    password.write_text(pki.password)
    issuer_key = root / "issuer.pem"
    return {
        **operator_keys(root / "keys"),  # the same key files on every host, as the operator hands them out
        "SOHOA_API_HOST": "0.0.0.0",
        "SOHOA_API_PORT": "8000",
        "SOHOA_API_JWT_PUBLIC_KEY_FILE": str(issuer_key),
        "SOHOA_VAULT_DATABASE_URL": database_url,
        "SOHOA_INGEST_BROKER_URL": redis_url,
        "SOHOA_SIGNING_TSA_URL": pki.tsa_url,
        "SOHOA_SIGNING_TRUST_DIR": str(pki.trust_dir),
        "SOHOA_INGEST_OFFICER_P12": str(pki.identity("officer").p12),
        "SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE": str(password),
        # A host cut off keeps its message unacknowledged: Redis hands it to another worker after this long.
        "SOHOA_INGEST_VISIBILITY_TIMEOUT_SECONDS": "60",
        "SOHOA_INGEST_REDELIVERY_SCAN_SECONDS": "5",
        "SOHOA_INGEST_RETRY_BACKOFF_MAX_SECONDS": "8",
        "SOHOA_INGEST_MAX_RETRIES": "12",
        "SOHOA_INGEST_PAGE_THREADS": "1",
    }


@pytest.fixture
def hosts(pki: RunningPki) -> Iterator[Hosts]:
    root = Path(netns.tempfile_dir("sohoa-hosts-"))
    lab = netns.NetLab().open()
    pg_root: Path | None = None
    seaweed: SeaweedServer | None = None
    try:
        for host in ("api", "w1", "w2"):
            lab.host(host)
            lab.forward(host, pki.port)  # the PKI's TSA and CRLs: an outside service every host reaches
        redis_url = netns.start_redis(lab, root / "redis")
        database_url, pg_root = netns.start_postgres(lab)
        with lab.inside("services"):
            seaweed = SeaweedServer(root / "seaweed", host=lab.services_address)
            seaweed.start()
        env = _environment(lab, root, pki, redis_url, database_url)
        env.update(
            {
                "SOHOA_VAULT_S3_ENDPOINT": seaweed.endpoint.endpoint,
                "SOHOA_VAULT_S3_ACCESS_KEY": seaweed.access_key,
                "SOHOA_VAULT_S3_SECRET_KEY": seaweed.secret_key,
                "SOHOA_INGEST_STAGING_BUCKET": STAGING_BUCKET,
            }
        )
        key = Ed25519PrivateKey.generate()
        Path(env["SOHOA_API_JWT_PUBLIC_KEY_FILE"]).write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        yield Hosts(lab, env, root, database_url, seaweed, key)
    finally:
        lab.close()
        if seaweed is not None:
            seaweed.kill()
        if pg_root is not None:
            netns.stop_postgres(lab, pg_root)
        shutil.rmtree(root, ignore_errors=True)


def _wait(hosts: Hosts, what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what} after {timeout} s\n{hosts.log('w1')}\n{hosts.log('w2')}\n{hosts.log('api')}")


def _healthy(hosts: Hosts) -> bool:
    try:
        return hosts.request("GET", "/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_batch_goes_through_hosts_sharing_no_disk_and_a_cut_off_worker_is_replaced(
    hosts: Hosts, scan_set: ScanSet
) -> None:
    migrate = hosts.lab.command("api", hosts.sohoa("api", "migrate"))
    hosts.data_dir("api").mkdir(parents=True)
    subprocess.run(migrate, env=hosts.environment("api"), check=True, timeout=300, capture_output=True)
    hosts.start("api", "serve", "--no-worker")
    _wait(hosts, "the API did not answer", lambda: _healthy(hosts), 90)
    hosts.start("w1", "worker", "--concurrency=1")
    hosts.start("w2", "worker", "--concurrency=1")

    names = [f"Trang {n + 1}" for n in range(len(scan_set.files))]
    documents = [{"type_code": "TP", "name": name, "pages": str(n + 1)} for n, name in enumerate(names)]
    manifest = station_manifest("manifest", owner=OWNER, documents=documents)
    files = [("files", (path.name, path.read_bytes())) for path in scan_set.files]
    answer = hosts.request("POST", "/api/v1/batches", data={"manifest": json.dumps(manifest)}, files=files)
    assert answer.status_code == 202, answer.text
    batch_id = answer.json()["batch_id"]
    assert not (hosts.data_dir("api") / "ingest" / "batches" / batch_id).exists()  # published, not kept

    # The moment w1 holds a document, its link goes down (its processes run on, reaching nobody).
    held = _wait(
        hosts,
        "w1 took no document",
        lambda: hosts.query(
            f"select \"index\" from ingest_batch_documents where batch_id = '{batch_id}' "
            "and status = 'running' and lease_owner like '%@w1:%'"
        ),
        180,
    )
    hosts.lab.cut("w1")
    cut_index = held[0][0]

    def finished() -> dict[str, Any] | None:
        view = hosts.request("GET", f"/api/v1/batches/{batch_id}").json()
        return view if view["status"] not in ("queued", "running") else None

    final = _wait(hosts, "the batch did not finish", finished, 420)
    assert final["status"] in ("done", "needs_rescan"), final
    assert [d["status"] for d in final["documents"]] == ["done"] * len(names), final
    assert final["documents"][cut_index]["id"]  # w1 is still cut off: w2 finished the document it held

    stored = hosts.query("select count(*), count(distinct id) from documents")
    assert stored == [(len(names), len(names))]  # every document once, no second copy
    with hosts.lab.inside("services"):
        client = hosts.seaweed.endpoint.client()
        vault_objects = list(client.list_objects("sohoa-vault", recursive=True, include_version=True))
        staged = list(client.list_objects(STAGING_BUCKET, prefix=f"batches/{batch_id}/", recursive=True))
    assert len(vault_objects) == len(names)
    assert staged == []  # personal data: staging gone once every document is in the vault
    for host in ("api", "w2"):  # nothing left on their own disks either (w1 was cut off in the middle of a step)
        work = hosts.data_dir(host) / "ingest"
        assert [path for path in work.rglob("*") if path.is_file()] == [], host
    hosts.lab.kill("w1")
