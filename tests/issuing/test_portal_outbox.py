"""The portal outbox against a loopback receiver that speaks docs/portal.md: messages written with their change,
delivered in order per dossier, signed, deduplicated, retried through a 30 s outage, dead letters and replay."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.types import Actor, DocumentKind, DocumentStatus, Role
from ingest.db import migrate
from issuing import egress, portal
from issuing.portal_metrics import OutboxCollector
from tests.support.pdfs import born_digital
from tests.support.pgschema import private_schema
from tests.support.portal_receiver import PortalReceiver
from vault import outbox
from vault.db import make_engine, session_factory
from vault.errors import ReuseRefused
from vault.lifecycle import Action, Step, transition
from vault.models import OutboxMessage
from vault.records import NewDocument
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore

AGENCY = "000.00.00.H30"
HANDLER = Actor("handler-1", Role.HANDLER, agency_code=AGENCY, purpose="giải quyết hồ sơ")
OWNER = "001099012345"
PROCEDURE = "1.011442.000.00.00.H30"


PG_URL = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def catalogue(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
        migrate(url)
        yield url
        return
    with private_schema(PG_URL, "outbox_test") as url:
        migrate(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def vault(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Vault]:
    with catalogue(request.param, tmp_path) as url:
        yield from _vault(url, tmp_path)


@pytest.fixture
def sqlite_vault(tmp_path: Path) -> Iterator[Vault]:
    with catalogue("sqlite", tmp_path) as url:
        yield from _vault(url, tmp_path)


def _vault(url: str, tmp_path: Path) -> Iterator[Vault]:
    sessions = session_factory(make_engine(url))
    outbox.enable(sessions)
    built = Vault(sessions, LocalStore(tmp_path / "objects"), VaultSettings(database_url=url))
    yield built
    sessions.kw["bind"].dispose()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[PortalReceiver]:
    monkeypatch.setenv("SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.1/32"]')
    egress.egress_settings.cache_clear()
    running = PortalReceiver(token="t-portal-123", secret="s" * 64).start()
    yield running
    running.stop()
    monkeypatch.delenv("SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    egress.egress_settings.cache_clear()


def settings_for(receiver: PortalReceiver, tmp_path: Path, **overrides: object) -> portal.PortalSettings:
    (tmp_path / "token").write_text(receiver.token + "\n")
    (tmp_path / "secret").write_text(receiver.secret)
    values: dict[str, object] = {
        "sync_url": receiver.url,
        "sync_token_file": tmp_path / "token",
        "sync_secret_file": tmp_path / "secret",
        "sync_timeout_seconds": 2.0,
        "sync_backoff_seconds": 0.5,
        "sync_backoff_max_seconds": 4.0,
        **overrides,
    }
    return portal.PortalSettings(**values)  # type: ignore[arg-type]


def messages(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.seq)))


def open_dossier(vault: Vault) -> str:
    return vault.create_dossier(AGENCY, "1.000001", OWNER, owner_name="Nguyễn Văn A").code


def store_result(vault: Vault, code: str) -> str:
    new = NewDocument(
        owner_id=OWNER,
        name="Giấy chứng nhận",
        kind=DocumentKind.RESULT,
        type_code="GCN",
        issuing_agency_code=AGENCY,
        issue_date=dt.date(2026, 11, 30),
        permanent=True,
        source_dossier_code=code,
    )
    return vault.store_document(new, born_digital(), HANDLER).id


def test_a_message_is_written_with_its_change_and_never_without_it(vault: Vault) -> None:
    code = open_dossier(vault)
    vault.transition(code, Action.ASSIGN, HANDLER, Step(department="Phòng Tư pháp"))
    with pytest.raises(RuntimeError), vault.sessions.begin() as session:  # the move rolls back: so does its message
        transition(session, code, Action.RESULT_READY, HANDLER, Step())
        raise RuntimeError("the caller's next write failed")
    doc_id = store_result(vault, code)
    vault.set_status(doc_id, DocumentStatus.CANCELLED, "nhầm số", HANDLER)
    rows = messages(vault.sessions)
    assert [m.topic for m in rows] == [
        "dossier.status_changed",
        "dossier.status_changed",
        "result.issued",
        "dossier.status_changed",  # the stored result moved the dossier, in the same transaction, after it
        "result.cancelled",
    ]
    assert [m.payload.get("action") for m in rows[:2]] == ["receive", "assign"]
    assert (rows[3].payload["action"], rows[3].payload["to_state"]) == ("result_ready", "result_ready")
    assert rows[2].payload["result_code"] == f"{code}-KQ1" and rows[4].payload["status"] == "cancelled"
    assert {m.stream for m in rows} == {f"dossier:{code}"}
    assert all(OWNER not in str(m.payload) and "nhầm" not in str(m.payload) for m in rows)  # nothing personal
    assert len({m.id for m in rows}) == 5


def test_off_unless_switched_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'off.sqlite3'}"
    migrate(url)
    plain = Vault(session_factory(make_engine(url)), LocalStore(tmp_path / "o"), VaultSettings(database_url=url))
    open_dossier(plain)
    assert messages(plain.sessions) == []


def test_delivered_in_order_signed_and_deduplicated(vault: Vault, receiver: PortalReceiver, tmp_path: Path) -> None:
    settings = settings_for(receiver, tmp_path)
    codes = [open_dossier(vault) for _ in range(2)]
    for code in codes:
        vault.transition(code, Action.ASSIGN, HANDLER, Step(department="Phòng Tư pháp"))
        store_result(vault, code)  # moves the dossier to result_ready too
    pumped = portal.pump(vault.sessions, settings)
    assert (pumped.delivered, pumped.failed, pumped.dead, pumped.next_due) == (8, 0, 0, None)
    assert len(receiver.accepted) == 8 and receiver.posts == 8
    for code in codes:
        sequences = receiver.streams()[f"dossier:{code}"]
        assert sequences == sorted(sequences) and len(sequences) == 4
    with vault.sessions.begin() as session:  # the answer was lost: the message is sent again, same id
        session.execute(update(OutboxMessage).where(OutboxMessage.seq == 1).values(status="pending"))
    assert portal.pump(vault.sessions, settings).delivered == 1
    assert receiver.posts == 9 and len(receiver.accepted) == 8  # the receiver deduplicated it
    assert portal.pump(vault.sessions, settings).delivered == 0


def test_a_wrong_token_is_a_dead_letter_at_once(vault: Vault, receiver: PortalReceiver, tmp_path: Path) -> None:
    settings = settings_for(receiver, tmp_path)
    (tmp_path / "token").write_text("wrong")
    open_dossier(vault)
    assert portal.pump(vault.sessions, settings).dead == 1
    (dead,) = messages(vault.sessions)
    assert dead.status == "dead" and dead.last_error is not None and dead.last_error.startswith("HTTP 401")


def test_dead_letter_after_the_limit_blocks_its_dossier_until_replayed(
    vault: Vault, receiver: PortalReceiver, tmp_path: Path
) -> None:
    settings = settings_for(receiver, tmp_path, sync_max_attempts=3, sync_backoff_seconds=0.01)
    blocked, other = open_dossier(vault), open_dossier(vault)
    receiver.failing = {f"dossier:{blocked}"}  # the first message of `blocked` fails three times
    vault.transition(blocked, Action.ASSIGN, HANDLER, Step(department="Phòng Tư pháp"))
    for _ in range(3):
        portal.pump(vault.sessions, settings)
        time.sleep(0.05)
    with vault.sessions() as session:
        assert portal.backlog(session)["dead"] == 1
        (letter,) = portal.dead_letters(session)
    assert letter.attempts == 3 and letter.last_error is not None and "503" in letter.last_error
    assert f"dossier:{other}" in receiver.streams() and f"dossier:{blocked}" not in receiver.streams()
    with vault.sessions() as session:  # the assign waits behind the dead receive: order is kept
        assert portal.backlog(session)["pending"] == 1
    receiver.failing = set()
    with vault.sessions.begin() as session:
        assert portal.replay(session, [letter.id]) == 1
    assert portal.pump(vault.sessions, settings).delivered == 2
    accepted = [receiver.accepted[i] for i in receiver.order]
    actions = [envelope["data"]["action"] for envelope in accepted if envelope["stream"] == f"dossier:{blocked}"]
    assert actions == ["receive", "assign"]


def test_the_endpoint_down_for_30_seconds(sqlite_vault: Vault, receiver: PortalReceiver, tmp_path: Path) -> None:
    """Events written while the portal is down wait; the task's loop (pump, sleep until the next retry) sends each
    once when it is back: none lost, none duplicated at the receiver, order kept, none dead."""
    vault = sqlite_vault
    settings = settings_for(receiver, tmp_path)
    receiver.stop()
    down_at = time.monotonic()
    stop = threading.Event()

    def worker() -> None:  # what `sohoa.portal_sync` does: pump, then run again when the earliest retry is due
        while not stop.is_set():
            pumped = portal.pump(vault.sessions, settings)
            wait = 0.2 if pumped.next_due is None else (pumped.next_due - dt.datetime.now(dt.UTC)).total_seconds()
            stop.wait(min(max(wait, 0.05), 1.0))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    codes = [open_dossier(vault) for _ in range(3)]
    for code in codes:
        vault.transition(code, Action.ASSIGN, HANDLER, Step(department="Phòng Tư pháp"))
        store_result(vault, code)
    time.sleep(max(0.0, 30 - (time.monotonic() - down_at)))
    with vault.sessions() as session:
        assert portal.backlog(session)["pending"] == 12 and portal.backlog(session)["delivered"] == 0
        assert session.scalar(select(func.max(OutboxMessage.attempts))) >= 4  # retried through the outage
    receiver.start()  # back on the same port
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with vault.sessions() as session:
            if portal.backlog(session)["pending"] == 0:
                break
        time.sleep(0.2)
    stop.set()
    thread.join(5)
    with vault.sessions() as session:
        counts = portal.backlog(session)
    assert (counts["pending"], counts["dead"], counts["delivered"]) == (0, 0, 12)
    assert len(receiver.accepted) == 12 and receiver.posts == 12  # each once
    for code in codes:
        stream = receiver.streams()[f"dossier:{code}"]
        assert stream == sorted(stream) and len(stream) == 4


def test_the_delivery_task_is_sent_after_a_commit_that_wrote_messages_only(vault: Vault) -> None:
    kicks: list[int] = []
    outbox.on_commit(vault.sessions, lambda: kicks.append(1))
    code = open_dossier(vault)
    assert kicks == [1]
    with pytest.raises(RuntimeError), vault.sessions.begin() as session:
        transition(session, code, Action.ASSIGN, HANDLER, Step(department="Phòng Tư pháp"))
        raise RuntimeError("rolled back")
    with vault.sessions.begin() as session:  # a commit that wrote nothing for the portal
        session.execute(select(func.count()).select_from(OutboxMessage))
    assert kicks == [1]


def test_the_backlog_gauges(vault: Vault) -> None:
    registry = CollectorRegistry()
    registry.register(OutboxCollector(vault.sessions))
    open_dossier(vault)
    open_dossier(vault)
    with vault.sessions.begin() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.seq == 1).values(status="dead"))
    assert registry.get_sample_value("sohoa_portal_outbox_messages", {"status": "pending"}) == 1
    assert registry.get_sample_value("sohoa_portal_outbox_messages", {"status": "dead"}) == 1
    assert registry.get_sample_value("sohoa_portal_outbox_messages", {"status": "delivered"}) == 0
    oldest = registry.get_sample_value("sohoa_portal_outbox_oldest_pending_seconds")
    assert oldest is not None and oldest >= 0


def test_a_reuse_reaches_the_portal_with_its_dossier(vault: Vault, receiver: PortalReceiver, tmp_path: Path) -> None:
    """A vault paper linked into a new dossier (issue #18, once-only) is a catalogue change of the dossier: its
    message is written in the opening's transaction, on the dossier's stream after the receive; a refused opening
    (a second paper expired) leaves no message of the first paper's reuse."""
    citizen = Actor(OWNER, Role.CITIZEN, owner_id=OWNER)

    def upload(type_code: str, **fields: object) -> str:
        new = NewDocument(owner_id=OWNER, name=f"Giấy {type_code}", kind=DocumentKind.CITIZEN_UPLOAD, **fields)
        return vault.store_document(new.model_copy(update={"type_code": type_code}), born_digital(), citizen).id

    birth, old_id = upload("GKS"), upload("CCCD", valid_until=dt.date(2020, 1, 1))
    before = len(messages(vault.sessions))
    with pytest.raises(ReuseRefused, match="expired"):
        vault.open_with_documents(AGENCY, PROCEDURE, OWNER, [(birth, None), (old_id, None)], citizen)
    assert len(messages(vault.sessions)) == before  # nothing of the refused opening, its reuse included
    dossier, _linked = vault.open_with_documents(AGENCY, PROCEDURE, OWNER, [(birth, "Bản sao giấy khai sinh")], citizen)
    rows = [m for m in messages(vault.sessions) if m.stream == f"dossier:{dossier.code}"]
    assert [m.topic for m in rows] == ["dossier.status_changed", "catalogue.reused"]
    data = rows[1].payload
    assert (data["document_id"], data["component_name"], data["type_code"]) == (birth, "Bản sao giấy khai sinh", "GKS")
    assert (data["dossier_code"], data["procedure_code"], data["actor_role"]) == (dossier.code, PROCEDURE, "citizen")
    assert OWNER not in str(data)
    pumped = portal.pump(vault.sessions, settings_for(receiver, tmp_path))
    assert pumped.dead == 0 and pumped.failed == 0
    accepted = [receiver.accepted[i] for i in receiver.order if receiver.accepted[i]["stream"] == rows[0].stream]
    assert [(e["topic"], e["data"].get("action")) for e in accepted] == [
        ("dossier.status_changed", "receive"),
        ("catalogue.reused", None),
    ]
