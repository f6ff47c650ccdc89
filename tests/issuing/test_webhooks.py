"""Webhook deliveries: HMAC-signed, retried on failure, given up after the limit; registration rules."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ingest.db import migrate, sessions
from issuing import webhooks
from tests.support.receiver import Receiver

AGENCY = "000.00.00.H30"


@pytest.fixture
def db(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    return sessions(url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


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
