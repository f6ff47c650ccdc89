"""Signature requests of split signing, in the catalogue: created when the pipeline prepared a document for an
officer's own token, listed to that officer, answered with a signature value or a rejection, expired, renewed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timezone import to_vn
from ingest import batches
from ingest.models import Batch, SignatureRequest


class RequestState(StrEnum):
    PENDING = "pending"  # waiting for the officer's agent
    SUBMITTED = "submitted"  # a checked signature value came; the continuation task embeds it
    SIGNED = "signed"  # embedded, the level completed: the chain went on to the vault
    REJECTED = "rejected"  # the officer refused it (reason kept); the document waits, not stored
    EXPIRED = "expired"  # nobody answered in time; the document waits, not stored
    RENEWED = "renewed"  # a rejected or expired request was asked again: the next one replaces it


OPEN = (RequestState.PENDING, RequestState.SUBMITTED)
Answer = Callable[[Session, SignatureRequest], None]  # submit, reject or renew one request


class RequestRefused(Exception):
    """An answer the request cannot take (not pending any more, wrong value): the API's 409 or 422."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class RequestView:
    """What an officer's agent is shown: where the document comes from, what it is, what to sign."""

    id: str
    batch_id: str
    index: int
    dossier_code: str
    document_name: str
    pages: int
    level: str
    document_sha256: str
    to_be_signed: bytes
    status: str
    expires_at: dt.datetime
    reason: str | None


def new_request_id() -> str:
    return secrets.token_hex(16)


def create(
    session: Session,
    *,
    request_id: str,
    batch_id: str,
    index: int,
    officer_sub: str,
    level: str,
    document_sha256: str,
    to_be_signed: bytes,
    certificate: bytes,
    pending: bytes,
    ttl: dt.timedelta,
) -> SignatureRequest:
    now = dt.datetime.now(dt.UTC)
    row = SignatureRequest(
        id=request_id,
        batch_id=batch_id,
        index=index,
        officer_sub=officer_sub,
        status=RequestState.PENDING,
        level=level,
        document_sha256=document_sha256,
        to_be_signed=to_be_signed,
        certificate=certificate,
        pending=pending,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    return row


def latest(session: Session, batch_id: str, index: int) -> SignatureRequest | None:
    """The document's newest request (a renewed one is followed by its replacement)."""
    return session.scalars(
        select(SignatureRequest)
        .where(SignatureRequest.batch_id == batch_id, SignatureRequest.index == index)
        .order_by(SignatureRequest.created_at.desc(), SignatureRequest.id)
        .limit(1)
    ).first()


def waiting_reason(row: SignatureRequest) -> str:
    """The Vietnamese line a document shows while its request waits, was rejected or expired."""
    if row.status == RequestState.REJECTED:
        return f"Cán bộ từ chối ký: {row.reason or 'không nêu lý do'} — chưa lưu; có thể yêu cầu ký lại"
    if row.status == RequestState.EXPIRED:
        return f"Yêu cầu ký hết hạn lúc {to_vn(row.expires_at):%H:%M %d/%m/%Y} — chưa lưu; có thể yêu cầu ký lại"
    return f"Chờ cán bộ ký bằng chứng thư số của mình (hạn {to_vn(row.expires_at):%H:%M %d/%m/%Y})"


def expire_due(session: Session, now: dt.datetime | None = None) -> list[tuple[str, int]]:
    """Mark pending requests past their expiry expired and say so on their documents; the (batch, index) pairs."""
    now = now or dt.datetime.now(dt.UTC)
    due = session.scalars(
        select(SignatureRequest).where(
            SignatureRequest.status == RequestState.PENDING, SignatureRequest.expires_at <= now
        )
    ).all()
    for row in due:
        row.status, row.decided_at = RequestState.EXPIRED, now
        batches.update_document(session, row.batch_id, row.index, error=waiting_reason(row))
    return [(row.batch_id, row.index) for row in due]


def _view(session: Session, row: SignatureRequest) -> RequestView:
    batch = session.get(Batch, row.batch_id)
    doc = batches.load_document(session, row.batch_id, row.index)
    assert batch is not None
    return RequestView(
        id=row.id,
        batch_id=row.batch_id,
        index=row.index,
        dossier_code=batch.dossier_code,
        document_name=doc.name,
        pages=len(doc.pages),
        level=row.level,
        document_sha256=row.document_sha256,
        to_be_signed=row.to_be_signed,
        status=row.status,
        expires_at=row.expires_at,
        reason=row.reason,
    )


def list_for(
    session: Session, officer_sub: str, states: tuple[str, ...] = (RequestState.PENDING,)
) -> list[RequestView]:
    rows = session.scalars(
        select(SignatureRequest)
        .where(SignatureRequest.officer_sub == officer_sub, SignatureRequest.status == RequestState.PENDING)
        .order_by(SignatureRequest.created_at, SignatureRequest.id)
    ).all()
    return [_view(session, row) for row in rows]


def own(session: Session, request_id: str, officer_sub: str) -> SignatureRequest | None:
    """The request if it is this officer's (anyone else's is as absent as a missing one)."""
    row = session.get(SignatureRequest, request_id)
    return row if row is not None and row.officer_sub == officer_sub else None


def view(session: Session, row: SignatureRequest) -> RequestView:
    return _view(session, row)


def _must_be_pending(row: SignatureRequest) -> None:
    if row.status != RequestState.PENDING:
        raise RequestRefused(409, f"the request is {row.status}, not pending")


def submit(
    session: Session, row: SignatureRequest, value: bytes, problem: Callable[[bytes, bytes, bytes], str | None]
) -> None:
    """Record a signature value that `problem(certificate, to_be_signed, value)` finds nothing wrong with; the
    document is queued again for the continuation (the caller sends it after the commit)."""
    _must_be_pending(row)
    found = problem(row.certificate, row.to_be_signed, value)
    if found is not None:
        raise RequestRefused(422, found)
    row.status, row.signature_value, row.decided_at = RequestState.SUBMITTED, value, dt.datetime.now(dt.UTC)
    batches.update_document(session, row.batch_id, row.index, status=batches.DocState.QUEUED, step="sign", error=None)


def reject(session: Session, row: SignatureRequest, reason: str) -> None:
    _must_be_pending(row)
    row.status, row.reason, row.decided_at = RequestState.REJECTED, reason, dt.datetime.now(dt.UTC)
    batches.update_document(session, row.batch_id, row.index, error=waiting_reason(row))


def renew(session: Session, row: SignatureRequest) -> None:
    """Ask again after a rejection or expiry: the document is queued for a new request."""
    if row.status not in (RequestState.REJECTED, RequestState.EXPIRED):
        raise RequestRefused(409, f"the request is {row.status}: only a rejected or expired one can be renewed")
    newest = latest(session, row.batch_id, row.index)
    if newest is not None and newest.id != row.id:
        raise RequestRefused(409, "a newer request for this document exists")
    row.status = RequestState.RENEWED
    batches.update_document(session, row.batch_id, row.index, status=batches.DocState.QUEUED, step="sign", error=None)


def mark_signed(session: Session, batch_id: str, index: int) -> None:
    """The document was stored: its submitted request is signed (in the store step's own transaction)."""
    row = latest(session, batch_id, index)
    if row is not None and row.status == RequestState.SUBMITTED:
        row.status = RequestState.SIGNED
