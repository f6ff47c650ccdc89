"""Webhook deliveries: HMAC-signed, retried on failure, given up after the limit; registration rules."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ingest.db import migrate, sessions
from issuing import egress, webhooks
from tests.support.receiver import Receiver

AGENCY = "000.00.00.H30"


@pytest.fixture
def db(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    return sessions(url)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A loopback receiver, allowed by explicit setting (webhooks reach public addresses only otherwise)."""
    monkeypatch.setenv("SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.1/32"]')
    egress.egress_settings.cache_clear()
    running = Receiver().start()
    yield running
    running.stop()
    monkeypatch.delenv("SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    egress.egress_settings.cache_clear()


def _register(db: sessionmaker[Session], url: str, events: list[str]) -> webhooks.WebhookCreated:
    with db.begin() as session:
        return webhooks.register(session, AGENCY, url, events, "cb-01")


def _deliver(db: sessionmaker[Session], delivery_id: str, max_attempts: int = 3) -> webhooks.Attempt:
    with db.begin() as session:
        return webhooks.deliver(session, delivery_id, timeout=5, max_attempts=max_attempts)


def test_a_delivery_is_signed_and_retried_until_accepted(db: sessionmaker[Session], receiver: Receiver) -> None:
    hook = _register(db, receiver.url, ["batch.finished", "document.stored"])
    with db.begin() as session:
        ids = webhooks.plan_deliveries(session, "batch.finished", AGENCY, {"batch_id": "b1", "status": "done"})
        assert webhooks.plan_deliveries(session, "rescan.requested", AGENCY, {}) == []  # not subscribed
        assert webhooks.plan_deliveries(session, "batch.finished", "000.00.99.H30", {}) == []  # other agency
    receiver.statuses = [500]
    first = _deliver(db, ids[0])
    assert (first.delivered, first.final, first.error) == (False, False, "HTTP 500")
    second = _deliver(db, ids[0])
    assert second.delivered and second.final
    assert _deliver(db, ids[0]).final  # already delivered: nothing sent again
    assert len(receiver.received) == 2
    got = receiver.received[-1]
    expected = hmac.new(
        hook.secret.encode(), got.headers["X-Sohoa-Timestamp"].encode() + b"." + got.body, hashlib.sha256
    ).hexdigest()
    assert got.headers["X-Sohoa-Signature"] == f"sha256={expected}"
    assert got.headers["X-Sohoa-Event"] == "batch.finished"
    assert json.loads(got.body)["status"] == "done"


def test_a_delivery_is_given_up_after_the_limit(db: sessionmaker[Session], receiver: Receiver) -> None:
    _register(db, receiver.url, ["document.stored"])
    with db.begin() as session:
        (delivery_id,) = webhooks.plan_deliveries(session, "document.stored", AGENCY, {"document_id": "d1"})
    receiver.statuses = [503, 503]
    assert not _deliver(db, delivery_id, max_attempts=2).final
    last = _deliver(db, delivery_id, max_attempts=2)
    assert last.final and not last.delivered
    with db() as session:
        assert session.get(webhooks.Delivery, delivery_id).status == "failed"  # type: ignore[union-attr]


def test_registration_refuses_unknown_events_and_urls(db: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="unknown events"):
        _register(db, "https://one-stop.example.vn/hooks", ["batch.exploded"])
    with pytest.raises(ValueError, match="https://"):
        _register(db, "ftp://one-stop.example.vn/hooks", ["batch.finished"])
    hook = _register(db, "https://one-stop.example.vn/hooks", ["batch.finished"])
    with db.begin() as session:
        assert [h.id for h in webhooks.list_for(session, AGENCY)] == [hook.id]
        assert not webhooks.deactivate(session, hook.id, "000.00.99.H30")  # another agency's handler
        assert webhooks.deactivate(session, hook.id, AGENCY)
        assert webhooks.list_for(session, AGENCY) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hooks",
        "http://192.168.1.1/hooks",
        "http://172.16.0.1/hooks",
        "http://100.64.0.1/hooks",
        "http://0.0.0.0/hooks",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[64:ff9b::7f00:1]/hooks",
        "http://[fd00::1]/hooks",
        "http://0x7f000001/hooks",
        "http://2130706433/hooks",
        "http://0177.0.0.1/hooks",
        "http://127.1/hooks",
        "http://0xa9.0xfe.0xa9.0xfe/hooks",
        "http://user:pw@one-stop.example.vn/hooks",
    ],
)
def test_registration_refuses_internal_addresses(db: sessionmaker[Session], url: str) -> None:
    """Issue #13 item 13: loopback, link-local, private and hex/decimal-encoded addresses were accepted (SSRF)."""
    with pytest.raises(egress.RefusedTarget):
        _register(db, url, ["batch.finished"])
    with db() as session:
        assert webhooks.list_for(session, AGENCY) == []


def test_delivery_rechecks_the_address(
    db: sessionmaker[Session], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registered while allowed, then the allowance is gone (as a name re-pointed at loopback would be):
    the delivery is refused at request time, never sent, and not retried."""
    _register(db, receiver.url, ["batch.finished"])
    with db.begin() as session:
        (delivery_id,) = webhooks.plan_deliveries(session, "batch.finished", AGENCY, {"batch_id": "b1"})
    monkeypatch.delenv("SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS")
    egress.egress_settings.cache_clear()
    attempt = _deliver(db, delivery_id)
    assert attempt.final and not attempt.delivered and "public addresses only" in (attempt.error or "")
    assert receiver.received == []


def test_a_deleted_webhook_stops_its_deliveries(db: sessionmaker[Session], receiver: Receiver) -> None:
    """Issue #13 item 13: a deleted webhook kept retrying its deliveries."""
    hook = _register(db, receiver.url, ["batch.finished"])
    with db.begin() as session:
        (delivery_id,) = webhooks.plan_deliveries(session, "batch.finished", AGENCY, {"batch_id": "b1"})
    receiver.statuses = [503]
    assert not _deliver(db, delivery_id).final  # failed once, would be retried
    with db.begin() as session:
        assert webhooks.deactivate(session, hook.id, AGENCY)
    attempt = _deliver(db, delivery_id)
    assert attempt.final and not attempt.delivered
    assert len(receiver.received) == 1  # the retry after deletion sent nothing
    with db() as session:
        assert session.get(webhooks.Delivery, delivery_id).status == "cancelled"  # type: ignore[union-attr]


def test_the_address_policy() -> None:
    allowed = egress.allowed_networks(["10.20.0.0/16"])
    assert egress.address_allowed(ipaddress.ip_address("8.8.8.8"))
    assert egress.address_allowed(ipaddress.ip_address("10.20.3.4"), allowed)
    assert not egress.address_allowed(ipaddress.ip_address("10.21.3.4"), allowed)
    assert not egress.address_allowed(ipaddress.ip_address("224.0.0.1"))
    assert not egress.address_allowed(ipaddress.ip_address("2002:7f00:1::"))  # 6to4 of 127.0.0.1


def test_the_notifier_records_deliveries_and_hands_them_to_enqueue(db: sessionmaker[Session]) -> None:
    hook = _register(db, "https://one-stop.example.vn/hooks", ["result.stored"])
    sent: list[str] = []
    notify = webhooks.Notifier(db, sent.append)
    notify("result.stored", AGENCY, {"document_id": "d1"})
    notify("result.stored", "000.00.99.H30", {"document_id": "d2"})  # no webhook of that agency
    notify("result.exploded", AGENCY, {})  # not an event offered: skipped
    with db() as session:
        deliveries = session.query(webhooks.Delivery).all()
    assert [(d.id, d.webhook_id, d.event, d.payload) for d in deliveries] == [
        (sent[0], hook.id, "result.stored", {"document_id": "d1"})
    ]
    assert len(sent) == 1


def test_a_notifier_that_cannot_enqueue_logs_and_does_not_raise(db: sessionmaker[Session]) -> None:
    _register(db, "https://one-stop.example.vn/hooks", ["batch.finished"])

    def broker_down(delivery_id: str) -> None:
        raise ConnectionError("broker down")

    webhooks.Notifier(db, broker_down)("batch.finished", AGENCY, {"batch_id": "b1"})
    with db() as session:  # the delivery is recorded: it can be replayed
        assert session.query(webhooks.Delivery).filter_by(status="pending").count() == 1
