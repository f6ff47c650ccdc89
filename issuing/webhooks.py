"""Webhooks for the one-stop system: agencies register URLs; sohoa POSTs HMAC-signed JSON notifications
(batch finished, document stored, rescan requested, result stored, cancelled or corrected) and retries until
they are accepted.

Signature: `X-Sohoa-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Sohoa-Timestamp>.<body>")>`, so a receiver
checks both the body and its freshness. The secret is shown once, at registration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import httpx
from pydantic import BaseModel
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.logging import get_logger
from issuing import egress
from issuing.models import IssuingBase
from vault.models import utcnow

log = get_logger("sohoa.webhooks")
WebhookEvent = Literal[
    "batch.finished",
    "document.stored",
    "rescan.requested",
    "result.stored",
    "result.cancelled",
    "result.corrected",
    "dossier.received",
    "dossier.assigned",
    "dossier.supplement_requested",
    "dossier.supplement_received",
    "dossier.apologised",
    "dossier.result_ready",
    "dossier.returned",
    "dossier.refused",
    "dossier.withdrawn",
]
EVENTS = frozenset(get_args(WebhookEvent))
DOSSIER_EVENTS = frozenset(event for event in EVENTS if event.startswith("dossier."))


class Webhook(IssuingBase):
    __tablename__ = "ingest_webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35), index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(64))
    events: Mapped[list[Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Delivery(IssuingBase):
    __tablename__ = "ingest_webhook_deliveries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("ingest_webhooks.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|delivered|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column()


class WebhookOut(BaseModel):
    id: str
    agency_code: str
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime


class WebhookCreated(WebhookOut):
    secret: str  # shown once


def _out(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        agency_code=hook.agency_code,
        url=hook.url,
        events=list(hook.events),
        active=hook.active,
        created_at=hook.created_at,
    )


def register(session: Session, agency_code: str, url: str, events: list[str], created_by: str) -> WebhookCreated:
    unknown = sorted(set(events) - EVENTS)
    if unknown or not events:
        raise ValueError(f"unknown events {unknown}; choose from {sorted(EVENTS)}")
    if not url.startswith(("https://", "http://")):
        raise ValueError("a webhook URL starts with https:// (or http:// on an internal network)")
    egress.check_url(url, _allowed_networks())  # RefusedTarget is a ValueError: a 422
    hook = Webhook(
        id=uuid.uuid4().hex,
        agency_code=agency_code,
        url=url,
        secret=secrets.token_hex(32),
        events=sorted(set(events)),
        active=True,
        created_by=created_by,
    )
    session.add(hook)
    session.flush()
    return WebhookCreated(**_out(hook).model_dump(), secret=hook.secret)


def _allowed_networks() -> tuple[egress.Network, ...]:
    return egress.allowed_networks(egress.egress_settings().allowed_networks)


def list_for(session: Session, agency_code: str | None) -> list[WebhookOut]:
    query = select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.created_at)
    if agency_code is not None:
        query = query.where(Webhook.agency_code == agency_code)
    return [_out(hook) for hook in session.scalars(query)]


def deactivate(session: Session, webhook_id: str, agency_code: str | None) -> bool:
    hook = session.get(Webhook, webhook_id)
    if hook is None or not hook.active or (agency_code is not None and hook.agency_code != agency_code):
        return False
    hook.active = False
    pending = select(Delivery).where(Delivery.webhook_id == hook.id, Delivery.status == "pending")
    for delivery in session.scalars(pending):
        delivery.status, delivery.last_error = "cancelled", "the webhook was deleted"
    return True


def plan_deliveries(session: Session, event: str, agency_code: str, payload: dict[str, Any]) -> list[str]:
    """Record one pending delivery per active webhook of the agency that wants the event; their ids."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event}")
    hooks = session.scalars(select(Webhook).where(Webhook.agency_code == agency_code, Webhook.active.is_(True)))
    ids = []
    for hook in hooks:
        if event in hook.events:
            delivery = Delivery(id=uuid.uuid4().hex, webhook_id=hook.id, event=event, payload=payload, attempts=0)
            session.add(delivery)
            ids.append(delivery.id)
    return ids


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    final: bool  # delivered, or failed for good (no more retries)
    error: str | None = None


def deliver(session: Session, delivery_id: str, *, timeout: float, max_attempts: int) -> Attempt:
    """POST one delivery; record the attempt. A 2xx answer delivers it; anything else is retried later."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return Attempt(delivered=delivery is not None and delivery.status == "delivered", final=True)
    hook = session.get(Webhook, delivery.webhook_id)
    if hook is None or not hook.active:  # deleted since: its deliveries stop
        delivery.status, delivery.last_error = "cancelled", "the webhook was deleted"
        return Attempt(delivered=False, final=True, error=delivery.last_error)
    body = json.dumps(
        {"id": delivery.id, "event": delivery.event, "created_at": delivery.created_at.isoformat(), **delivery.payload},
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(dt.datetime.now(dt.UTC).timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "sohoa-webhooks/1",
        "X-Sohoa-Event": delivery.event,
        "X-Sohoa-Delivery": delivery.id,
        "X-Sohoa-Timestamp": timestamp,
        "X-Sohoa-Signature": signature(hook.secret, timestamp, body),
    }
    delivery.attempts += 1
    try:  # the address is checked again now: a name may have been re-pointed since registration
        response = egress.post(hook.url, content=body, headers=headers, timeout=timeout, allowed=_allowed_networks())
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    except egress.RefusedTarget as exc:
        delivery.status, delivery.last_error = "failed", str(exc)[:500]
        return Attempt(delivered=False, final=True, error=delivery.last_error)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", dt.datetime.now(dt.UTC), None
        return Attempt(delivered=True, final=True)
    delivery.last_error = error
    if delivery.attempts >= max_attempts:
        delivery.status = "failed"
        return Attempt(delivered=False, final=True, error=error)
    return Attempt(delivered=False, final=False, error=error)


@dataclass(frozen=True)
class Notifier:
    """Tells an agency's one-stop system of an event: records one delivery per subscribed webhook, then hands each
    delivery's id to `enqueue` (the composition root passes the delivery task's `delay`, each retried until
    accepted). An event not offered is skipped; a failure is logged, never raised: what was stored stays."""

    sessions: sessionmaker[Session]
    enqueue: Callable[[str], None]

    def __call__(self, event: str, agency_code: str, payload: dict[str, Any]) -> None:
        if event not in EVENTS:
            log.info("webhook event not offered", webhook_event=event)
            return
        try:
            with self.sessions.begin() as session:
                ids = plan_deliveries(session, event, agency_code, payload)
            for delivery_id in ids:
                self.enqueue(delivery_id)
        except Exception as exc:  # the delivery rows or the broker: the delivery can be replayed
            log.error("webhook enqueue failed", webhook_event=event, error=type(exc).__name__)
