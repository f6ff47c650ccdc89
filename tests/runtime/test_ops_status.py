"""`sohoa ops status`'s one read (`api.operations.read_status`) on SQLite and PostgreSQL, with real rows in each
waiting state: batches queued/running (a document waiting for the TSA), awaiting a signature and a choice past its
deadline, a finished batch left out; portal and webhook messages unsent and dead; long-term signatures due and
postponed, a document still at B-B (the TSA down at signing) for three days; a staging leftover; the real broker
answering, then one that does not. No personal data in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.operations import OpsStatus, read_status, sources_of
from api.services import Services
from core.settings import core_settings
from core.types import Actor, DocumentKind, Role
from ingest import batches
from ingest.db import migrate, sessions
from ingest.models import Batch, BatchDocument, SignatureRequest
from ingest.staging import FolderArea
from issuing.longterm import TSA_DOWN, LongTermState
from issuing.waits import AT_BB, AT_BB_NO_TSA
from issuing.webhooks import Delivery, Webhook
from runtime.app import api_services
from runtime.metrics import QueueDepth
from signing.settings import signing_settings
from tests.api.world import tiny_pdf
from tests.support.pgschema import private_schema
from vault.models import Document, DocumentVersion, OutboxMessage
from vault.records import NewDocument
from vault.service import Vault
from vault.settings import vault_settings
from vault.store import LocalStore

PG_URL = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OWNER, OFFICER, DOC_NAME = "045190001234", "Nguyễn Thị Lan", "Giấy khai sinh của Trần Văn Bình"
NOW = dt.datetime.now(dt.UTC)
HOUR = dt.timedelta(hours=1)
ABSENT = f"celery@absent-{os.getpid()}"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
        migrate(path)
        yield path
        return
    with private_schema(PG_URL, "ops_test") as schema_url:
        migrate(schema_url)  # the pipeline's and issuing's tables beside the vault's
        yield schema_url


def _batch(session: Session, batch_id: str, states: list[str], created: dt.datetime) -> None:
    planned = [batches.PlannedDocument(DOC_NAME, "GKS", "component", [i]) for i in range(len(states))]
    new = batches.NewBatch(
        batch_id,
        "station-1",
        "000.00.00.H30",
        "1.011442",
        f"HS-{batch_id[:4]}",
        OWNER,
        "lan",
        len(states),
        f"/nowhere/{batch_id}",
        planned,
        submitter_name=OFFICER,
    )
    batches.create_batch(session, new)
    session.flush()
    session.execute(update(Batch).where(Batch.id == batch_id).values(created_at=created))
    for index, state in enumerate(states):
        session.execute(
            update(BatchDocument)
            .where(BatchDocument.batch_id == batch_id, BatchDocument.index == index)
            .values(status=state)
        )


def _rows(services: Services) -> None:
    """One row in each state that waits, and one finished batch."""
    admin = Actor("root", Role.ADMIN, purpose="kiểm tra")
    at_bb = services.vault.store_document(
        NewDocument(owner_id=OWNER, name=DOC_NAME, kind=DocumentKind.COMPONENT), tiny_pdf("B-B"), admin
    )
    with services.sessions.begin() as session:
        session.execute(update(Document).where(Document.id == at_bb.id).values(created_at=NOW - 3 * 24 * HOUR))
        stored = update(DocumentVersion).where(DocumentVersion.document_id == at_bb.id)  # its age: the version's
        session.execute(stored.values(created_at=NOW - 3 * 24 * HOUR))
        session.add(  # signed at B-B three days ago, its upgrade postponed an hour ago: the TSA still down
            LongTermState(
                document_id=at_bb.id, version=1, level="B-B", next_check=NOW + HOUR, last_error=f"{TSA_DOWN}: x"
            )
        )
        _batch(session, "a" * 32, ["running", "queued"], NOW - 2 * HOUR)  # stuck: 2 h running
        session.execute(
            update(BatchDocument)
            .where(BatchDocument.batch_id == "a" * 32, BatchDocument.index == 0)
            .values(step="sign", waiting="trust_service", attempts=4)
        )
        _batch(session, "b" * 32, ["awaiting_choice"], NOW - 3 * HOUR)  # its choice deadline passed
        session.execute(update(BatchDocument).where(BatchDocument.batch_id == "b" * 32).values(choice_until=NOW - HOUR))
        _batch(session, "c" * 32, ["awaiting_signature", "done"], NOW - 5 * HOUR)  # waits for the officer, in time
        session.add(
            SignatureRequest(
                id="d" * 32,
                batch_id="c" * 32,
                index=0,
                officer_sub="lan",
                status="pending",
                level="B-LTA",
                document_sha256="0" * 64,
                to_be_signed=b"x",
                certificate=b"x",
                pending=b"{}",
                expires_at=NOW + HOUR,
            )
        )
        _batch(session, "e" * 32, ["done"], NOW - 9 * HOUR)
        session.execute(update(Batch).where(Batch.id == "e" * 32).values(finished_at=NOW - 8 * HOUR))
        session.add_all(
            [
                OutboxMessage(
                    id="1" * 32,
                    topic="dossier.status_changed",
                    stream="dossier:X",
                    payload={"owner": OWNER},
                    created_at=NOW - 3 * HOUR,
                    status="pending",
                    last_error="HTTP 503: portal busy",
                ),
                OutboxMessage(
                    id="2" * 32,
                    topic="dossier.status_changed",
                    stream="dossier:Y",
                    payload={},
                    status="dead",
                    attempts=12,
                    last_error=f"HTTP 400: owner {OWNER} refused",
                ),
            ]
        )
        session.add(
            Webhook(
                id="f" * 32,
                agency_code="000.00.00.H30",
                url="https://example.test/h",
                secret="s",
                events=["batch.finished"],
                created_by="admin",
            )
        )
        session.flush()
        session.add(
            Delivery(
                id="9" * 32,
                webhook_id="f" * 32,
                event="batch.finished",
                payload={},
                status="pending",
                attempts=2,
                last_error="ConnectError",
                created_at=NOW - dt.timedelta(minutes=10),
            )
        )
        session.add_all(
            [
                LongTermState(
                    document_id="7" * 32,
                    version=1,
                    level="B-T",
                    next_check=NOW - 3 * 24 * HOUR,
                    last_error="TimestampUnavailableError: TSA down",
                ),
                LongTermState(document_id="8" * 32, version=1, level="B-LTA", next_check=NOW + 24 * HOUR),
            ]
        )


def _services(url: str, tmp_path: Path) -> Services:
    vault = Vault(sessions(url), LocalStore(tmp_path / "objects"), vault_settings())
    services = api_services(core_settings(), sessions(url), vault)
    services.staging_area = FolderArea(tmp_path / "staging")
    left = tmp_path / "staging" / ("e" * 32)  # the finished batch's staging, left behind for a day
    left.mkdir(parents=True)
    (left / "files.json").write_text("{}")
    old = time.time() - 86400
    for path in (left / "files.json", left):
        os.utime(path, (old, old))
    return services


@pytest.fixture
def tsa(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A production-like signing setup: a TSA is configured (it need not answer for the read)."""
    monkeypatch.setenv("SOHOA_SIGNING_TSA_URL", "http://127.0.0.1:9/tsa")
    signing_settings.cache_clear()
    yield
    monkeypatch.delenv("SOHOA_SIGNING_TSA_URL")
    signing_settings.cache_clear()


def _status(services: Services, now: dt.datetime | None = None) -> OpsStatus:
    return read_status(sources_of(services), stuck_after_seconds=3600, min_free_bytes=1, now=now)


def test_what_waits_is_read_with_its_reasons(url: str, tmp_path: Path, tsa: None) -> None:
    services = _services(url, tmp_path)
    _rows(services)
    status = _status(services)
    assert [b.batch_id for b in status.batches] == ["c" * 32, "b" * 32, "a" * 32]  # oldest first, finished left out
    assert status.batches_by_state == {"awaiting_signature": 1, "awaiting_choice": 1, "running": 1}
    running = status.batches[2]
    assert running.age_seconds >= 7200 and running.dossier_code == "HS-aaaa"
    tsa, queued = running.documents
    assert (tsa.step, tsa.attempts, tsa.waiting) == ("sign", 4, "trust_service")
    assert tsa.reason.startswith("TSA/OCSP không phản hồi") and queued.reason == "Chờ worker nhận việc"
    signature = status.batches[0].documents
    assert len(signature) == 1 and signature[0].reason.startswith("Chờ cán bộ ký") and signature[0].deadline
    choice = status.batches[1].documents[0]
    assert choice.status == "awaiting_choice" and choice.deadline is not None and choice.deadline < NOW
    assert status.portal_outbox is not None and status.webhooks is not None and status.longterm is not None
    assert (status.portal_outbox.pending, status.portal_outbox.dead) == (1, 1)
    assert (
        status.portal_outbox.oldest_pending_at is not None
        and status.portal_outbox.last_error == "HTTP 400: owner [ID] refused"
    )
    assert (status.webhooks.pending, status.webhooks.last_error) == (1, "ConnectError")
    assert (status.longterm.due, status.longterm.postponed) == (1, 2)
    assert status.longterm.last_error and status.longterm.last_error.startswith(TSA_DOWN)  # the latest postponed
    assert (status.longterm.at_bb, status.longterm.at_bb_reason) == (1, AT_BB)
    assert status.longterm.oldest_at_bb_since is not None and status.longterm.oldest_at_bb_since < NOW - 2 * 24 * HOUR
    assert status.staging_leftovers == ["e" * 32]
    assert status.broker.reachable and "celery" in status.broker.queues
    assert status.object_store.reachable and status.disk.free_bytes > 0
    keys = {p.key for p in status.problems}
    assert keys == {
        "batch:" + "a" * 32,
        f"batch:{'b' * 32}:0",
        "portal_outbox",
        "portal_outbox:dead",
        "longterm",
        "longterm:bb",
    }
    assert f"1 tài liệu có {AT_BB}; lâu nhất 3 ngày" in [p.text for p in status.problems]
    late = next(p.text for p in status.problems if p.key == f"batch:{'b' * 32}:0")  # the key: the API's index
    assert late.startswith(f"Lô {'b' * 32}, tài liệu 1: quá hạn"), late  # the text: counted from 1, as people do
    dumped = status.model_dump_json()
    for personal in (OWNER, OFFICER, DOC_NAME, "Trần Văn Bình"):
        assert personal not in dumped


def test_an_empty_world_has_no_problem_and_a_dead_broker_is_one(url: str, tmp_path: Path) -> None:
    services = _services(url, tmp_path)
    services.staging_area = FolderArea(tmp_path / "empty")
    assert _status(services).problems == []
    services.queue_depths = QueueDepth(Celery(broker="redis://127.0.0.1:1/0")).read  # nothing listens there
    down = _status(services)
    assert not down.broker.reachable and down.broker.error
    assert [p.key for p in down.problems] == ["broker"]
    assert [p.key for p in _status(services, now=NOW + 3 * HOUR).problems] == ["broker"]  # nothing else waits


def test_without_a_tsa_b_b_is_development_and_no_problem(url: str, tmp_path: Path) -> None:
    """The embedded default signs with no TSA configured: its B-B signatures are counted with that reason, and never
    reported as stuck (nothing will ever upgrade them; `sohoa ops status` would exit 1 forever)."""
    services = _services(url, tmp_path)
    _rows(services)
    status = _status(services)
    assert status.longterm is not None and not status.longterm.tsa_configured
    assert (status.longterm.at_bb, status.longterm.at_bb_reason) == (1, AT_BB_NO_TSA)
    assert "longterm:bb" not in {p.key for p in status.problems}


def test_messages_waiting_with_no_worker_answering_is_a_problem(url: str, tmp_path: Path) -> None:
    """Walked on 30 Nov 2026: both workers stopped, five messages queued, and the status said "Không có việc nào bị
    kẹt" for the hour before the batch's age made it stuck. The workers are now pinged (a real Celery broadcast on
    Redis, where none listens), and messages with no worker to take them are a problem at once."""
    services = _services(url, tmp_path)
    services.staging_area = FolderArea(tmp_path / "empty")
    redis = os.environ.get("SOHOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    nobody = Celery(broker=redis, set_as_current=False)  # other tests' workers may share this Redis: ask a name
    sources = dataclasses.replace(
        sources_of(services),
        queue_depths=lambda: {"celery": 5},
        workers=lambda: [name for answer in nobody.control.ping(destination=[ABSENT], timeout=0.5) for name in answer],
    )
    status = read_status(sources, stuck_after_seconds=3600, min_free_bytes=1)
    assert status.broker.workers == []
    assert [p.text for p in status.problems] == ["Không worker nào trả lời — 5 việc chờ trong hàng đợi"]
    answering = dataclasses.replace(sources, workers=lambda: ["celery@w2"])
    assert read_status(answering, stuck_after_seconds=3600, min_free_bytes=1).problems == []
    idle = dataclasses.replace(sources, queue_depths=lambda: {"celery": 0})
    assert read_status(idle, stuck_after_seconds=3600, min_free_bytes=1).problems == []  # nothing waits for one

    def no_broadcast() -> list[str]:
        raise NotImplementedError("the embedded broker has no broadcast")

    unknown = read_status(
        dataclasses.replace(sources, workers=no_broadcast), stuck_after_seconds=3600, min_free_bytes=1
    )
    assert unknown.broker.workers is None and unknown.problems == []
