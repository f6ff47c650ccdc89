"""Delivery of the portal outbox (`vault.outbox`) to the national portal: one message at a time per stream, in
order, signed, retried with back-off, dead after the limit, replayed by an admin (contract: docs/portal.md).

`pump` sends what is due and says when to look again; the Celery task `sohoa.portal_sync` runs it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal

import httpx
from sqlalchemy import Select, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from core.logging import get_logger
from issuing import egress
from issuing.portal_settings import PortalSettings, portal_settings
from issuing.webhooks import signature
from vault import outbox
from vault.models import OutboxMessage, utcnow

log = get_logger("sohoa.portal")
RETRIED_4XX = frozenset({408, 425, 429})


Verdict = Literal["delivered", "retry", "dead"]


@dataclass(frozen=True)
class Sent:
    verdict: Verdict
    error: str | None = None
    retry_after: float | None = None


def body_of(message: OutboxMessage) -> bytes:
    envelope = {
        "id": message.id,
        "topic": message.topic,
        "stream": message.stream,
        "sequence": message.seq,
        "created_at": message.created_at.isoformat(),
        "data": message.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True).encode()


def headers_of(message: OutboxMessage, body: bytes, settings: PortalSettings) -> dict[str, str]:
    timestamp = str(int(dt.datetime.now(dt.UTC).timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "sohoa-portal-sync/1",
        "Idempotency-Key": message.id,
        "X-Sohoa-Message-Id": message.id,
        "X-Sohoa-Topic": message.topic,
        "X-Sohoa-Stream": message.stream,
        "X-Sohoa-Sequence": str(message.seq),
        "X-Sohoa-Timestamp": timestamp,
    }
    token, secret = settings.token(), settings.secret()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if secret:
        headers["X-Sohoa-Signature"] = signature(secret, timestamp, body)
    return headers


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def send(message: OutboxMessage, settings: PortalSettings) -> Sent:
    """POST one message; the receiver's answer read as delivered (2xx, 409 already held), retry, or dead."""
    if not settings.sync_url:
        return Sent("retry", "SOHOA_PORTAL_SYNC_URL is not set")
    body = body_of(message)
    allowed = egress.allowed_networks(egress.egress_settings().allowed_networks)
    try:
        response = egress.post(
            settings.sync_url,
            content=body,
            headers=headers_of(message, body, settings),
            timeout=settings.sync_timeout_seconds,
            allowed=allowed,
        )
    except egress.RefusedTarget as exc:
        return Sent("retry", str(exc)[:500])  # the operator fixes the address or the allowed networks
    except httpx.HTTPError as exc:
        return Sent("retry", f"{type(exc).__name__}: {exc}"[:500])
    code = response.status_code
    if 200 <= code < 300 or code == 409:
        return Sent("delivered")
    error = f"HTTP {code}: {response.text[:200]}"
    if 400 <= code < 500 and code not in RETRIED_4XX:
        return Sent("dead", error)
    return Sent("retry", error, _retry_after(response))


def _heads(now: dt.datetime, limit: int) -> Select[int]:
    """Pending messages due now whose stream holds no earlier undelivered message (ordered per stream)."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        earlier.stream == OutboxMessage.stream, earlier.seq < OutboxMessage.seq, earlier.status != "delivered"
    )
    free = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
    return (
        select(OutboxMessage.seq)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, free, ~blocked)
        .order_by(OutboxMessage.seq)
        .limit(limit)
    )


def _claim(session: Session, seq: int, now: dt.datetime, lease: dt.timedelta) -> bool:
    free = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.seq == seq, OutboxMessage.status == "pending", free)
        .values(lease_until=now + lease)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _record(session: Session, seq: int, sent: Sent, settings: PortalSettings) -> OutboxMessage:
    message = session.get(OutboxMessage, seq)
    assert message is not None
    now = utcnow()
    message.attempts += 1
    message.lease_until = None
    message.last_error = sent.error
    if sent.verdict == "delivered":
        message.status, message.delivered_at = "delivered", now
    elif sent.verdict == "dead" or message.attempts >= settings.sync_max_attempts:
        message.status = "dead"
        log.warning("portal message dead", message_id=message.id, topic=message.topic, error=sent.error)
    else:
        wait = max(settings.backoff(message.attempts), sent.retry_after or 0.0)
        message.next_attempt_at = now + dt.timedelta(seconds=wait)
    return message


def deliver_one(sessions: sessionmaker[Session], seq: int, settings: PortalSettings) -> Sent | None:
    """Claim, send and record one message; None when another worker holds it."""
    lease = dt.timedelta(seconds=settings.sync_timeout_seconds * 2 + 5)
    with sessions.begin() as session:
        if not _claim(session, seq, utcnow(), lease):
            return None
        message = session.get(OutboxMessage, seq)
        assert message is not None
        session.expunge(message)
    sent = send(message, settings)
    with sessions.begin() as session:
        _record(session, seq, sent, settings)
    return sent


@dataclass(frozen=True)
class Pumped:
    delivered: int
    failed: int
    dead: int
    next_due: dt.datetime | None  # the earliest retry still waiting, if any


def next_due(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending"))


def pump(sessions: sessionmaker[Session], settings: PortalSettings | None = None, batch: int = 50) -> Pumped:
    """Send every message that is due, stream by stream in order, until none is left due now."""
    settings = settings or portal_settings()
    counts = {"delivered": 0, "retry": 0, "dead": 0}
    while True:
        with sessions() as session:
            due = list(session.scalars(_heads(utcnow(), batch)))
        progressed = False
        for seq in due:
            sent = deliver_one(sessions, seq, settings)
            if sent is not None:
                counts[sent.verdict] += 1
                progressed = progressed or sent.verdict != "retry"
        if not progressed:
            break
    with sessions() as session:
        upcoming = next_due(session)
    return Pumped(counts["delivered"], counts["retry"], counts["dead"], upcoming)


def backlog(session: Session) -> dict[str, int]:
    """Messages by status, and the age in seconds of the oldest pending one."""
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts = {"pending": 0, "delivered": 0, "dead": 0, **{status: int(n) for status, n in rows}}
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending"))
    counts["oldest_pending_seconds"] = int((utcnow() - oldest).total_seconds()) if oldest else 0
    return counts


@dataclass(frozen=True)
class DeadLetter:
    """A message the portal refused for good, as the admins' outbox view lists it (no payload: personal data)."""

    id: str
    topic: str
    stream: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime


def dead_letters(session: Session, limit: int = 200) -> list[DeadLetter]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead").order_by(OutboxMessage.seq))
    return [DeadLetter(m.id, m.topic, m.stream, m.attempts, m.last_error, m.created_at) for m in list(rows)[:limit]]


def replay(session: Session, ids: list[str] | None) -> int:
    """Put dead messages (these ids, or all when None) back in line with a fresh count of attempts."""
    condition = OutboxMessage.status == "dead"
    if ids is not None:
        condition = and_(condition, OutboxMessage.id.in_(ids))
    done = session.execute(
        update(OutboxMessage)
        .where(condition)
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None)
    )
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if count:
        session.info[outbox.WRITTEN] = True  # the commit sends the delivery task, as a new message would
    return count
