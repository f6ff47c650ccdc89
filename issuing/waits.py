"""What waits to leave the agency or to be kept valid, without personal data: the portal outbox and the webhook
deliveries not delivered yet, and the signatures due for long-term upgrade or renewal (`sohoa ops status`).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Select, and_, func, select, union_all
from sqlalchemy.orm import Session

from core.identifiers import redact
from core.types import SignatureLevel
from issuing.longterm import LongTermState, kinds_at_bb
from issuing.webhooks import Delivery
from signing.settings import SigningSettings, signing_settings
from vault.models import Document, DocumentVersion, OutboxMessage

LAST_ERROR_CHARS = 120  # "HTTP 503: …": a status and the start of the receiver's answer, never a payload
AT_BB = "chữ ký ở mức B-B (TSA không phản hồi lúc ký) — sẽ nâng cấp khi TSA hoạt động lại"
AT_BB_NO_TSA = "chữ ký ở mức B-B (chưa cấu hình máy chủ tem thời gian SOHOA_SIGNING_TSA_URL: chỉ dùng khi thử nghiệm)"


class Outgoing(BaseModel):
    """Messages not delivered yet: how many, the oldest one's age, the dead ones, and the newest error."""

    pending: int
    dead: int
    oldest_pending_at: dt.datetime | None
    last_error: str | None


class LongTermDue(BaseModel):
    """Signatures the long-term job has still to upgrade (B-B/B-T/B-LT → B-LTA) or renew, due now, and the ones
    postponed because the TSA or revocation data were not available (retried an hour later); apart, the documents
    still at B-B (signed while the TSA was down), how many and since when the oldest was stored, and why (`AT_BB`).
    With no TSA configured (the embedded default: development signatures) B-B is expected, not a wait to fix
    (`tsa_configured` false, reason `AT_BB_NO_TSA`)."""

    due: int
    oldest_due_at: dt.datetime | None
    postponed: int
    last_error: str | None
    at_bb: int = 0
    oldest_at_bb_since: dt.datetime | None = None
    at_bb_reason: str | None = None
    tsa_configured: bool = True


def _at_bb(session: Session, settings: SigningSettings) -> tuple[int, dt.datetime | None]:
    """How many documents' current version is at B-B while their kind asks more, and since when the oldest such
    version is stored: from the level stored with the version, or the job's state for a version stored without one
    (a document not tracked yet counts as soon as it is stored)."""
    count, since = session.execute(at_bb_query(settings)).one()
    return count, since


def at_bb_query(settings: SigningSettings) -> Select[int, dt.datetime | None]:
    """The B-B count as two parts each read through an index on the level (migrations 0010 and ingest 0011), not
    a join of every document to its current version: the current versions stored at B-B, and the documents the
    job tracks at B-B whose current version was stored without a level (docs/signing.md)."""
    current = and_(DocumentVersion.document_id == Document.id, DocumentVersion.number == Document.current_version)
    raised = Document.kind.not_in(kinds_at_bb(settings))
    stored = (
        select(DocumentVersion.created_at.label("since"))
        .join(Document, current)
        .where(DocumentVersion.signature_level == SignatureLevel.B_B.value, raised)
    )
    tracked = (
        select(func.coalesce(DocumentVersion.created_at, Document.created_at).label("since"))
        .select_from(LongTermState)
        .join(Document, Document.id == LongTermState.document_id)
        .outerjoin(DocumentVersion, current)
        .where(LongTermState.level == SignatureLevel.B_B.value, DocumentVersion.signature_level.is_(None), raised)
    )
    both = union_all(stored, tracked).subquery()
    return select(func.count(), func.min(both.c.since))


def _short(error: str | None) -> str | None:
    """The start of an error, any 12-digit run (a personal ID number, possibly, echoed by a receiver) masked."""
    return redact(error)[:LAST_ERROR_CHARS] if error else None


def portal_outbox(session: Session) -> Outgoing:
    pending = OutboxMessage.status == "pending"
    count, oldest = session.execute(select(func.count(), func.min(OutboxMessage.created_at)).where(pending)).one()
    dead = session.scalar(select(func.count()).where(OutboxMessage.status == "dead")) or 0
    error = session.scalar(
        select(OutboxMessage.last_error)
        .where(OutboxMessage.status.in_(["pending", "dead"]), OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.seq.desc())
        .limit(1)
    )
    return Outgoing(pending=count, dead=dead, oldest_pending_at=oldest, last_error=_short(error))


def webhook_deliveries(session: Session) -> Outgoing:
    pending = Delivery.status == "pending"
    count, oldest = session.execute(select(func.count(), func.min(Delivery.created_at)).where(pending)).one()
    dead = session.scalar(select(func.count()).where(Delivery.status == "failed")) or 0
    error = session.scalar(
        select(Delivery.last_error)
        .where(Delivery.status.in_(["pending", "failed"]), Delivery.last_error.is_not(None))
        .order_by(Delivery.created_at.desc())
        .limit(1)
    )
    return Outgoing(pending=count, dead=dead, oldest_pending_at=oldest, last_error=_short(error))


def longterm_due(session: Session, now: dt.datetime, settings: SigningSettings | None = None) -> LongTermDue:
    due = LongTermState.next_check <= now
    count, oldest = session.execute(select(func.count(), func.min(LongTermState.next_check)).where(due)).one()
    postponed = session.scalar(select(func.count()).where(LongTermState.last_error.is_not(None))) or 0
    error = session.scalar(
        select(LongTermState.last_error)
        .where(LongTermState.last_error.is_not(None))
        .order_by(LongTermState.next_check.desc())
        .limit(1)
    )
    settings = settings or signing_settings()
    at_bb, since = _at_bb(session, settings)
    configured = bool(settings.tsa_url)
    return LongTermDue(
        due=count,
        oldest_due_at=oldest,
        postponed=postponed,
        last_error=_short(error),
        at_bb=at_bb,
        oldest_at_bb_since=since,
        at_bb_reason=(AT_BB if configured else AT_BB_NO_TSA) if at_bb else None,
        tsa_configured=configured,
    )
