"""From the scanner to the vault over HTTP, with every real part: `sohoa serve` and `sohoa worker` processes,
the Redis broker, the SeaweedFS S3 server, the certomancer PKI (TSA, OCSP, CRLs) and Tesseract.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from api.client import StationClient
from bench.synthetic import encode_png, generate_pages, write_pages
from core.types import Role, Verdict
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.e2e.conftest import AGENCY, OWNER, PROCEDURE, ScanSet
from tests.support.pki import RunningPki
from tests.support.receiver import Receiver
from tests.support.s3server import SeaweedServer
from tests.support.stack import SohoaStack
from tests.support.uploads import station_manifest
from vault.store import S3Store

# The broker is the xdist worker's own Redis database (tests/conftest.py); RabbitMQ's one `celery` queue is kept to
# one worker by the `rabbitmq` group of `any_broker` (tests/e2e/conftest.py).
pytestmark = pytest.mark.slow


def _manifest(scan_set: ScanSet, **changes: Any) -> dict[str, Any]:
    return station_manifest(**{"split": "qr", "dossier_code": None, **changes})


def _stack_env(tmp: Path, pki: RunningPki, broker: str | None, seaweed: SeaweedServer | None) -> dict[str, str]:
    officer = pki.identity("officer")
    password = tmp / "officer.password"
    password.write_text(pki.password)
    env = {
        "SOHOA_SIGNING_TSA_URL": pki.tsa_url,
        "SOHOA_SIGNING_TRUST_DIR": str(pki.trust_dir),
        "SOHOA_INGEST_OFFICER_P12": str(officer.p12),
        "SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE": str(password),
        "SOHOA_INGEST_VISIBILITY_TIMEOUT_SECONDS": "20",
        "SOHOA_INGEST_RETRY_BACKOFF_MAX_SECONDS": "8",
        "SOHOA_INGEST_MAX_RETRIES": "12",
        "SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.1/32"]',  # the test receiver listens on loopback
    }
    if broker:
        env["SOHOA_INGEST_BROKER_URL"] = broker
    if seaweed:
        endpoint = seaweed.endpoint
        env.update(
            {
                "SOHOA_VAULT_S3_ENDPOINT": endpoint.endpoint,
                "SOHOA_VAULT_S3_ACCESS_KEY": endpoint.access_key,
                "SOHOA_VAULT_S3_SECRET_KEY": endpoint.secret_key,
                "SOHOA_VAULT_S3_BUCKET": "sohoa-e2e-" + tmp.name.lower().replace("_", "-")[-20:],
            }
        )
    return env


@pytest.fixture
def stack(tmp_path: Path, pki: RunningPki, broker: str, seaweed: SeaweedServer) -> Iterator[SohoaStack]:
    running = SohoaStack(tmp_path / "data", _stack_env(tmp_path, pki, broker, seaweed))
    running.data_dir.mkdir()
    running.start_server()
    yield running
    running.stop()


def _client(stack: SohoaStack) -> StationClient:
    return StationClient(stack.url, stack.token(Role.STATION, "QT-01", agency=AGENCY))


def _catalogue(stack: SohoaStack) -> sqlite3.Connection:
    return sqlite3.connect(stack.data_dir / "vault" / "catalogue.sqlite3")


def _s3_store(stack: SohoaStack) -> S3Store:
    env = stack.env
    return S3Store(
        env["SOHOA_VAULT_S3_ENDPOINT"],
        env["SOHOA_VAULT_S3_ACCESS_KEY"],
        env["SOHOA_VAULT_S3_SECRET_KEY"],
        env["SOHOA_VAULT_S3_BUCKET"],
        sse="ssec",
        sse_key=Path(stack.keys()["SOHOA_VAULT_SSE_KEY_FILE"]).read_bytes(),
    )


def _stored_objects(stack: SohoaStack) -> list[Any]:
    return [obj for obj in _s3_store(stack).iter_objects() if not obj.is_delete_marker]


def _max_attempts(stack: SohoaStack) -> int:
    """Steps run per document: 3 (OCR, sign, store) when nothing went wrong, more after a retry or redelivery."""
    with _catalogue(stack) as db:
        return int(db.execute("select max(attempts) from ingest_batch_documents").fetchone()[0])


def _assert_dossier_complete(stack: SohoaStack, final: dict[str, Any], pki: RunningPki) -> None:
    assert final["status"] == "done", (final, stack.log_tail("worker"))
    assert [d["name"] for d in final["documents"]] == ["Giấy khai sinh", "Căn cước công dân", "Giấy xác nhận cư trú"]
    assert all(d["signature"] == Verdict.TOTAL_PASSED for d in final["documents"]), final
    with _catalogue(stack) as db:
        rows = db.execute(
            "select d.id, d.kind, d.page_count from documents d join dossier_documents l on l.document_id = d.id "
            "join dossiers s on s.id = l.dossier_id where s.code = ?",
            (final["dossier_code"],),
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(d["id"] for d in final["documents"])  # linked, no duplicate
    assert {r[2] for r in rows} == {1}  # the cover sheets were left out
    objects = _stored_objects(stack)
    assert len(objects) == 3, objects  # one object version per document, no second copy
    with _catalogue(stack) as db:
        versions = db.execute("select object_key, object_version_id, sha256 from document_versions").fetchall()
    assert {(key, version) for key, version, _ in versions} == {(o.key, o.version_id) for o in objects}
    store = _s3_store(stack)
    for key, version, sha256 in versions:
        with store.open(key, version, sha256) as content:
            pdf = content.read()
        report = validate_pdf(pdf, TrustSettings(anchors=(pki.root_cert,), use_configured=False))
        assert report.verdict is Verdict.TOTAL_PASSED, report


@pytest.fixture
def any_stack(tmp_path: Path, pki: RunningPki, any_broker: str, seaweed: SeaweedServer) -> Iterator[SohoaStack]:
    running = SohoaStack(tmp_path / "data", _stack_env(tmp_path, pki, any_broker, seaweed))
    running.data_dir.mkdir()
    running.start_server()
    yield running
    running.stop()


def test_three_documents_split_by_qr_end_up_signed_in_the_vault(
    any_stack: SohoaStack, scan_set: ScanSet, pki: RunningPki
) -> None:
    """On Redis and on RabbitMQ."""
    stack = any_stack
    stack.start_worker()
    receiver = Receiver().start()
    handler = {"Authorization": f"Bearer {stack.token(Role.HANDLER, 'cb-01', agency=AGENCY)}"}
    registered = httpx.post(
        f"{stack.url}/api/v1/webhooks",
        headers=handler,
        json={"url": receiver.url, "events": ["batch.finished", "document.stored"]},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    client = _client(stack)
    accepted = client.upload(scan_set.files, _manifest(scan_set))
    assert accepted["dossier_code"] == scan_set.dossier_code  # taken from the cover sheets
    events: list[str] = []

    def follow() -> None:
        headers = {"Authorization": client.http.headers["Authorization"]}
        with httpx.stream(
            "GET", f"{stack.url}/api/v1/batches/{accepted['batch_id']}/events", headers=headers, timeout=300
        ) as response:
            events.extend(line for line in response.iter_lines() if line.startswith("event:"))

    follower = threading.Thread(target=follow)
    follower.start()
    final = client.wait(accepted["batch_id"], timeout=600)
    follower.join(timeout=30)
    _assert_dossier_complete(stack, final, pki)
    assert _max_attempts(stack) == 3
    assert "event: page" in events and "event: document" in events and events[-1] == "event: batch"
    deadline = time.monotonic() + 60
    while len(receiver.received) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    receiver.stop()
    secret = registered.json()["secret"].encode()
    kinds = sorted(r.headers["X-Sohoa-Event"] for r in receiver.received)
    assert kinds == ["batch.finished", "document.stored", "document.stored", "document.stored"]
    for hook in receiver.received:
        signed = hook.headers["X-Sohoa-Timestamp"].encode() + b"." + hook.body
        assert hook.headers["X-Sohoa-Signature"] == "sha256=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()
    stored = {json.loads(r.body)["document_id"] for r in receiver.received if b"document.stored" in r.body}
    assert stored == {d["id"] for d in final["documents"]}


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    stack: SohoaStack, scan_set: ScanSet, pki: RunningPki
) -> None:
    worker = stack.start_worker(concurrency=1)
    client = _client(stack)
    accepted = client.upload(scan_set.files, _manifest(scan_set))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it in the middle: after a first page, before the batch ends
        state = client.batch(accepted["batch_id"])
        if any(d["status"] == "running" for d in state["documents"]):
            break
        time.sleep(0.2)
    stack.kill_worker(worker)
    assert client.batch(accepted["batch_id"])["status"] in ("running", "queued")
    stack.start_worker()
    final = client.wait(accepted["batch_id"], timeout=600)
    _assert_dossier_complete(stack, final, pki)
    assert _max_attempts(stack) > 3  # the killed step was delivered again


def test_the_batch_completes_after_the_s3_server_was_down_for_20_seconds(
    stack: SohoaStack, scan_set: ScanSet, pki: RunningPki, seaweed: SeaweedServer
) -> None:
    """Batches wait in the object store's staging bucket: one accepted before the outage waits and completes
    (steps retried); an upload during it is a 503 that leaves nothing."""
    client = _client(stack)
    accepted = client.upload(scan_set.files, _manifest(scan_set))
    stack.start_worker()
    deadline = time.monotonic() + 120
    while "Task sohoa.ocr" not in stack.log_tail("worker", 200) and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker took the batch's first documents: their OCR runs while the store is down
    seaweed.stop()
    try:
        headers = {"Authorization": f"Bearer {stack.token(Role.STATION, 'QT-01', agency=AGENCY)}"}
        files = [("files", (path.name, path.read_bytes())) for path in scan_set.files]
        data = {"manifest": json.dumps(_manifest(scan_set), ensure_ascii=False)}
        response = httpx.post(f"{stack.url}/api/v1/batches", headers=headers, files=files, data=data, timeout=120)
        assert response.status_code == 503 and "send the batch again" in response.json()["detail"], response.text
        with _catalogue(stack) as db:
            assert db.execute("select count(*) from ingest_batches").fetchone() == (1,)
        assert list((stack.data_dir / "ingest" / "batches").iterdir()) == []  # no spool left on the API host
        time.sleep(20)
        assert client.batch(accepted["batch_id"])["status"] in ("running", "queued")
    finally:
        seaweed.start()
    final = client.wait(accepted["batch_id"], timeout=600)
    _assert_dossier_complete(stack, final, pki)
    retried = "retry: Retry in" in stack.log_tail("worker", 2000) and "StoreUnavailable" in stack.log_tail(
        "worker", 2000
    )
    assert retried or _max_attempts(stack) > 3, stack.log_tail("worker")  # a step met the outage and was retried


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def test_bad_batches_are_refused_and_nothing_is_stored(stack: SohoaStack, scan_set: ScanSet, tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {stack.token(Role.STATION, 'QT-01', agency=AGENCY)}"}
    manifest = json.dumps(_manifest(scan_set), ensure_ascii=False).encode()
    page = scan_set.files[1].read_bytes()
    huge = tmp_path / "huge.tif"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    cases: list[tuple[str, dict[str, Any], dict[str, str] | None, int, str]] = [
        (
            "zip with ../",
            {"files": ("b.zip", _zip({"manifest.json": manifest, "../p.jpg": page}))},
            None,
            422,
            "parent",
        ),
        (
            "zip bomb",
            {"files": ("b.zip", _zip({"manifest.json": manifest, "p.tif": b"\0" * 50_000_000}))},
            None,
            422,
            "compression ratio",
        ),
        ("100 MB page", {"files": ("p.tif", huge.open("rb"))}, {"manifest": manifest.decode()}, 413, "larger than"),
        (
            "text named .jpg",
            {"files": ("p.jpg", b"just some text, not a scan")},
            {"manifest": manifest.decode()},
            415,
            "not a JPEG",
        ),
        (
            "bad owner id",
            {"files": ("p.jpg", page)},
            {"manifest": json.dumps(_manifest(scan_set, owner_id="045190001"))},
            422,
            "owner_id",
        ),
    ]
    for label, files, data, status, reason in cases:
        response = httpx.post(f"{stack.url}/api/v1/batches", headers=headers, files=files, data=data, timeout=120)
        assert response.status_code == status, (label, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert reason in response.json()["detail"], (label, response.json())
    with _catalogue(stack) as db:
        assert db.execute("select count(*) from ingest_batches").fetchone() == (0,)
        assert db.execute("select count(*) from dossiers").fetchone() == (0,)
        assert db.execute("select count(*) from documents").fetchone() == (0,)
    assert list((stack.data_dir / "ingest" / "batches").iterdir()) == []


def test_a_timed_out_document_fails_with_its_reason_while_the_other_is_stored(
    tmp_path: Path, pki: RunningPki, broker: str, scan_set: ScanSet
) -> None:
    """OCR limited to 7 s a document: a blank page (no Tesseract call, ≈0.2 s warm) makes it, ten full A4 pages of
    text read one at a time (≥1 CPU s each in Tesseract alone, so ≥10 s) do not. The margin is wide both ways: a
    CI run at load 9 took over 3 s for the blank page when the limit was 3 s."""
    env = _stack_env(tmp_path, pki, broker, None)
    env.update(
        {
            "SOHOA_INGEST_TIME_LIMIT_BASE_SECONDS": "7",
            "SOHOA_INGEST_TIME_LIMIT_PER_PAGE_SECONDS": "0",
            "SOHOA_INGEST_PAGE_THREADS": "1",
        }
    )
    limited = SohoaStack(tmp_path / "data", env)
    limited.data_dir.mkdir()
    limited.start_server()
    limited.start_worker()
    try:
        blank = tmp_path / "blank.png"
        blank.write_bytes(encode_png(np.full((2480, 1748, 3), 250, np.uint8), 300))
        text_pages = write_pages(generate_pages(10, seed=3, blank_every=0), tmp_path / "a4")
        manifest = _manifest(
            scan_set,
            split="manifest",
            dossier_code=scan_set.dossier_code,
            documents=[
                {"type_code": "TRANG", "name": "Trang trắng", "pages": "1"},
                {"type_code": "GKS", "name": "Giấy khai sinh", "pages": "2-11"},
            ],
        )
        client = StationClient(limited.url, limited.token(Role.STATION, "QT-01", agency=AGENCY))
        accepted = client.upload([blank, *text_pages], manifest)
        final = client.wait(accepted["batch_id"], timeout=300)
        first, second = final["documents"]
        assert final["status"] == "failed", final
        assert first["status"] == "done" and first["id"], first
        assert second["status"] == "failed" and "timed out" in second["error"] and second["id"] is None
    finally:
        limited.stop()


def test_a_scanned_result_and_a_certified_copy_through_the_batch_path(
    tmp_path: Path, pki: RunningPki, broker: str, scan_set: ScanSet
) -> None:
    """Kinds from the manifest: a result gets `<dossier>-KQ1`; a certified copy gets the agency's certificate,
    its register number and the copy text block on page 1, above the officer's signature."""
    env = _stack_env(tmp_path, pki, broker, None)
    password = tmp_path / "agency.password"
    password.write_text(pki.password)
    env.update(
        {
            "SOHOA_ISSUING_AGENCY_P12": str(pki.identity("agency").p12),
            "SOHOA_ISSUING_AGENCY_P12_PASSWORD_FILE": str(password),
            "SOHOA_ISSUING_AGENCY_NAMES": json.dumps({AGENCY: "Ủy ban nhân dân tỉnh Quảng Trị"}),
        }
    )
    issuing = SohoaStack(tmp_path / "data", env)
    issuing.data_dir.mkdir()
    issuing.start_server()
    issuing.start_worker()
    try:
        manifest = _manifest(
            scan_set,
            split="manifest",
            dossier_code=scan_set.dossier_code,
            documents=[
                {"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1"},
                {"type_code": "GCN", "name": "Giấy chứng nhận", "pages": "2", "kind": "result"},
                {"type_code": "BSCT", "name": "Bằng tốt nghiệp", "pages": "3", "kind": "certified_copy"},
            ],
        )
        client = StationClient(issuing.url, issuing.token(Role.STATION, "QT-01", agency=AGENCY))
        pages = [scan_set.files[1], scan_set.files[3], scan_set.files[5]]
        final = client.wait(client.upload(pages, manifest)["batch_id"], timeout=600)
        assert final["status"] == "done", (final, issuing.log_tail("worker"))
        with sqlite3.connect(issuing.data_dir / "vault" / "catalogue.sqlite3") as db:
            rows = dict(db.execute("select kind, coalesce(result_code, number_symbol) from documents").fetchall())
            levels = db.execute(
                "select d.kind, v.signature_level from documents d join document_versions v on v.document_id = d.id"
            ).fetchall()
        assert rows["result"] == f"{scan_set.dossier_code}-KQ1"
        assert rows["certified_copy"] == f"1/{time.localtime().tm_year}/SCBS-ĐT"
        # the level each signer reached, kept with the version (the copy: the lower of officer's and agency's)
        assert sorted(levels) == [("certified_copy", "B-LTA"), ("component", "B-LTA"), ("result", "B-LTA")]
        admin = {"Authorization": f"Bearer {issuing.token(Role.ADMIN, 'root')}"}
        copy_id = final["documents"][2]["id"]
        pdf = httpx.get(f"{issuing.url}/api/v1/documents/{copy_id}/content", headers=admin, timeout=60).content
        report = validate_pdf(pdf, TrustSettings(anchors=(pki.root_cert,), use_configured=False))
        assert report.verdict is Verdict.TOTAL_PASSED and len(report.signatures) == 2
        copy_pdf = tmp_path / "copy.pdf"
        copy_pdf.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", copy_pdf, "-"], capture_output=True, text=True, check=True
        ).stdout
        stamp = report.signatures[-1].stamp_text or ""  # the copy block's words: in its field, not the page text
        assert "Bản sao điện tử chứng thực từ bản chính" in stamp and "SCBS-ĐT" in stamp
        assert "Bản sao điện tử chứng thực" not in " ".join(text.split())
    finally:
        issuing.stop()


def test_a_batch_the_broker_cannot_take_is_a_503_and_leaves_nothing(
    tmp_path: Path, pki: RunningPki, scan_set: ScanSet
) -> None:
    unreachable = SohoaStack(tmp_path / "data", _stack_env(tmp_path, pki, "redis://127.0.0.1:9/0", None))
    unreachable.data_dir.mkdir()
    unreachable.start_server()
    try:
        headers = {"Authorization": f"Bearer {unreachable.token(Role.STATION, 'QT-01', agency=AGENCY)}"}
        files = [("files", (path.name, path.read_bytes())) for path in scan_set.files]
        data = {"manifest": json.dumps(_manifest(scan_set), ensure_ascii=False)}
        response = httpx.post(f"{unreachable.url}/api/v1/batches", headers=headers, files=files, data=data, timeout=120)
        assert response.status_code == 503 and "send the batch again" in response.json()["detail"]
        with _catalogue(unreachable) as db:
            assert db.execute("select count(*) from ingest_batches").fetchone() == (0,)
            assert db.execute("select count(*) from ingest_batch_documents").fetchone() == (0,)
        assert list((unreachable.data_dir / "ingest" / "batches").iterdir()) == []
    finally:
        unreachable.stop()


def test_the_embedded_default_processes_the_same_batch(tmp_path: Path, pki: RunningPki, scan_set: ScanSet) -> None:
    """No Redis, no S3 server: SQLite broker, local vault, a worker started by `sohoa serve`; the station's
    `sohoa upload` command sends the batch, follows it and prints each document."""
    embedded = SohoaStack(tmp_path / "data", {})
    embedded.data_dir.mkdir()
    embedded.start_server(embedded_worker=True)
    try:
        token = embedded.token(Role.STATION, "QT-01", agency=AGENCY, name="Nguyễn Thị Lan")
        command = [
            sys.executable,
            "-m",
            "cli",
            "upload",
            *map(str, scan_set.files),
            "--owner",
            OWNER,
            "--agency",
            AGENCY,
            "--procedure",
            PROCEDURE,
            "--split",
            "qr",
            "--server",
            embedded.url,
        ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "SOHOA_TOKEN": token, "COLUMNS": "200"},
            check=False,
        )
        assert done.returncode == 0, (done.stdout, done.stderr, embedded.log_tail("server"))
        assert f"dossier {scan_set.dossier_code}" in done.stdout and ": done" in done.stdout
        with _catalogue(embedded) as db:
            ids = [row[0] for row in db.execute("select id from documents")]
        assert len(ids) == 3 and all(doc_id in done.stdout for doc_id in ids)
        objects = list((embedded.data_dir / "vault" / "objects").rglob("*.data"))
        assert len(objects) == 3
        assert all(obj.read_bytes().startswith(b"%PDF-") for obj in objects)
        # the uploading officer's own development certificate under their name (the token's `name` claim), trusted
        # by the embedded default: valid, no tracebacks
        dev_ca = TrustSettings(anchors=(embedded.data_dir / "signing" / "dev" / "ca.pem",), use_configured=False)
        for obj in objects:
            [sig] = validate_pdf(obj.read_bytes(), dev_ca).signatures
            assert sig.signer_name == "Nguyễn Thị Lan" and sig.development and sig.verdict == "TOTAL-PASSED", sig
        with _catalogue(embedded) as db:
            assert [row[0] for row in db.execute("select signature_verdict from documents")] == ["TOTAL-PASSED"] * 3
        server_log = embedded.log_tail("server", lines=100_000)
        assert "PathBuildingError" not in server_log and "Traceback" not in server_log
        options = command[4 + len(scan_set.files) :]  # after `python -m cli upload PAGES...`
        missing = subprocess.run(
            [*command[:4], "/no/such/page.jpg", *options],
            capture_output=True,
            text=True,
            env={**os.environ, "SOHOA_TOKEN": token},
            check=False,
        )
        assert missing.returncode == 2 and "không thấy tệp /no/such/page.jpg" in missing.stderr
    finally:
        embedded.stop()
