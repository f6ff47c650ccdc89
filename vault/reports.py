"""Read-only reports over the catalogue: an owner's access log and the history of a dossier's results (the
indicators of Decision 766 are in `vault.indicators`). Each takes an open session; the `Vault` door authorises first.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import AccessLog, Document, DossierDocument, Owner

ISSUING_ACTIONS = ("store", "new_version", "status:cancelled", "status:revoked", "status:valid")


class AccessEntry(BaseModel):
    """One access-log row about one of the owner's documents (Decree 13/2023: the subject may see it)."""

    at: dt.datetime
    subject: str
    role: str
    agency_code: str | None
    purpose: str | None
    action: str
    document_id: str | None
    dossier_code: str | None


def owner_access_log(session: Session, owner_id: str, *, limit: int = 200, offset: int = 0) -> list[AccessEntry]:
    """Reads and writes of the owner's documents, newest first."""
    query = (
        select(AccessLog)
        .join(Document, Document.id == AccessLog.document_id)
        .join(Owner, Owner.id == Document.owner_pk)
        .where(Owner.owner_id == owner_id)
        .order_by(AccessLog.seq.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        AccessEntry(
            at=row.at,
            subject=row.subject,
            role=row.role,
            agency_code=row.agency_code,
            purpose=row.purpose,
            action=row.action,
            document_id=row.document_id,
            dossier_code=row.dossier_code,
        )
        for row in session.execute(query).scalars()
    ]


class IssuedStep(BaseModel):
    """One step of an issued paper's history, from the access log: issued (`store`), corrected (`new_version`,
    with the version and the reason given), cancelled, revoked or restored (`status:*`, with the reason)."""

    document_id: str
    at: dt.datetime
    subject: str
    role: str
    action: str
    version: int | None
    reason: str | None


def _step(row: AccessLog) -> IssuedStep:
    version, reason = None, row.detail
    if row.action in ("store", "new_version") and row.detail:
        number, _sep, note = row.detail.partition(": ")  # "v2" or "v2: <reason>" (vault/writes.py)
        version, reason = (int(number[1:]), note or None) if number[1:].isdigit() else (None, row.detail)
    return IssuedStep(
        document_id=row.document_id or "",
        at=row.at,
        subject=row.subject,
        role=row.role,
        action=row.action,
        version=version,
        reason=reason,
    )


def results_history(session: Session, dossier_id: int) -> dict[str, list[IssuedStep]]:
    """The history of each result linked to a dossier, oldest first, keyed by document id."""
    query = (
        select(AccessLog)
        .join(Document, Document.id == AccessLog.document_id)
        .join(DossierDocument, DossierDocument.document_id == Document.id)
        .where(DossierDocument.dossier_id == dossier_id, Document.kind == "result")
        .where(AccessLog.action.in_(ISSUING_ACTIONS))
        .order_by(AccessLog.seq)
    )
    history: dict[str, list[IssuedStep]] = {}
    for row in session.execute(query).scalars():
        history.setdefault(row.document_id or "", []).append(_step(row))
    return history
