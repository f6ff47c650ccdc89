"""Read-only reports over the catalogue: an owner's access log (the indicators of Decision 766 are in
`vault.indicators`). Each takes an open session; the `Vault` door (`vault.grants`) authorises the caller first.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import AccessLog, Document, Owner


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
