"""The access log: every read and write of a document, hash-chained so an edited or deleted row is detected.

Each row's hash is SHA-256 over its canonical fields and the previous row's hash; `audit_head` keeps the last
link and is row-locked by each appender, which serialises appends on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.types import Actor
from vault.models import AccessLog, AuditHead, utcnow

GENESIS = "0" * 64


def row_hash(row: AccessLog, prev_hash: str) -> str:
    """SHA-256 over the row's canonical JSON (times in UTC, microseconds) and the previous hash."""
    fields = {
        "seq": row.seq,
        "at": row.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "subject": row.subject,
        "role": row.role,
        "agency_code": row.agency_code,
        "purpose": row.purpose,
        "action": row.action,
        "document_id": row.document_id,
        "dossier_code": row.dossier_code,
        "detail": row.detail,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_access(
    session: Session,
    actor: Actor,
    action: str,
    *,
    document_id: str | None = None,
    dossier_code: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one link to the chain inside the caller's transaction (commits with it)."""
    record_accesses(session, actor, action, [document_id], dossier_code=dossier_code, detail=detail)


def record_accesses(
    session: Session,
    actor: Actor,
    action: str,
    document_ids: Sequence[str | None],
    *,
    dossier_code: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one link per document, in order, under one lock of the chain's head (Core statements: a read
    path logs every document it shows, so this is on the hot path of the API)."""
    if not document_ids:
        return
    seq, prev = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).one()
    now = utcnow()
    rows = []
    for document_id in document_ids:
        seq += 1
        row = AccessLog(
            seq=seq,
            at=now,
            subject=actor.subject,
            role=str(actor.role),
            agency_code=actor.agency_code,
            purpose=actor.purpose,
            action=action,
            document_id=document_id,
            dossier_code=dossier_code,
            detail=detail,
            prev_hash=prev,
        )
        prev = row_hash(row, prev)
        rows.append({column: getattr(row, column) for column in _COLUMNS} | {"hash": prev})
    session.execute(insert(AccessLog), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))


_COLUMNS = (
    "seq",
    "at",
    "subject",
    "role",
    "agency_code",
    "purpose",
    "action",
    "document_id",
    "dossier_code",
    "detail",
    "prev_hash",
)


def verify_chain(session: Session, batch: int = 5000) -> list[int]:
    """Ids of the rows that break the chain (edited, or following a deleted row); [] when intact.

    Rows are read up to the head taken first (appends meanwhile are left for the next run). A deleted last
    row is caught by comparing the chain's end with `audit_head`; it is reported as id 0.
    """
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    bad: list[int] = []
    prev_hash, prev_seq, last_seq = GENESIS, 0, 0
    while last_seq < head_seq:
        query = (
            select(AccessLog)
            .where(AccessLog.seq > last_seq, AccessLog.seq <= head_seq)
            .order_by(AccessLog.seq)
            .limit(batch)
        )
        rows = session.execute(query).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.seq != prev_seq + 1 or row.prev_hash != prev_hash or row.hash != row_hash(row, prev_hash):
                bad.append(row.id)
            prev_hash, prev_seq = row.hash, row.seq
        last_seq = rows[-1].seq
        session.expunge_all()
    if prev_seq != head_seq or prev_hash != head_hash:
        bad.append(0)
    return bad
