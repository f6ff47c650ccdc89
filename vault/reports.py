"""Read-only reports over the catalogue: an owner's access log ("who read my documents"), the documents a
grantee may list, and the digitisation indicators of Decision 766/QĐ-TTg (docs/SPEC.md).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session

from core.types import DocumentKind
from vault.convert import document_record
from vault.models import AccessLog, Document, Dossier, DossierDocument, Grant, Owner
from vault.records import DocumentRecord

FULL_MARKS_RATE = 0.8  # Decision 766: full marks at 80% or more, otherwise rate × max ÷ 80%


class AccessEntry(BaseModel):
    at: dt.datetime
    subject: str
    role: str
    agency_code: str | None
    purpose: str | None
    action: str
    document_id: str | None
    dossier_code: str | None


def owner_access_log(session: Session, owner_id: str, limit: int = 200, offset: int = 0) -> list[AccessEntry]:
    """Every recorded read or write of the owner's documents, newest first."""
    documents = select(Document.id).join(Owner, Owner.id == Document.owner_pk).where(Owner.owner_id == owner_id)
    rows = session.execute(
        select(AccessLog)
        .where(AccessLog.document_id.in_(documents))
        .order_by(AccessLog.seq.desc())
        .offset(offset)
        .limit(limit)
    ).scalars()
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
        for row in rows
    ]


def granted_documents(
    session: Session, owner_id: str, grantee: str, purpose: str, now: dt.datetime | None = None
) -> list[DocumentRecord]:
    """The owner's documents an active grant lets `grantee` see for exactly this purpose."""
    moment = now or dt.datetime.now(dt.UTC)
    covered = exists().where(
        Grant.owner_pk == Document.owner_pk,
        Grant.grantee == grantee,
        Grant.purpose == purpose,
        Grant.revoked_at.is_(None),
        Grant.valid_until > moment,
        or_(Grant.document_id == Document.id, and_(Grant.document_id.is_(None), Grant.type_code == Document.type_code)),
    )
    rows = session.execute(
        select(Document)
        .join(Owner, Owner.id == Document.owner_pk)
        .where(Owner.owner_id == owner_id, covered)
        .order_by(Document.created_at.desc())
    ).scalars()
    return [document_record(row) for row in rows]


class Indicator(BaseModel):
    numerator: int
    denominator: int
    rate: float
    score: float  # of `max_score`: full marks at 80% or more


class DigitisationStats(BaseModel):
    agency_code: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    dossiers_received: int
    digitisation: Indicator  # dossiers with component files and an electronic result ÷ dossiers handled
    electronic_results: Indicator  # dossiers whose result has an electronic file ÷ dossiers
    reuse: Indicator  # dossiers with ≥1 component taken from the vault ÷ dossiers received
    max_score: float


def indicator(numerator: int, denominator: int, max_score: float) -> Indicator:
    rate = numerator / denominator if denominator else 0.0
    return Indicator(
        numerator=numerator,
        denominator=denominator,
        rate=round(rate, 4),
        score=round(max_score * min(rate / FULL_MARKS_RATE, 1.0), 4),
    )


def digitisation_stats(
    session: Session,
    agency_code: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    max_score: float = 1.0,
) -> DigitisationStats:
    """The three indicators for dossiers received by `agency_code` between the dates (inclusive)."""
    scope = select(Dossier.id)
    if agency_code:
        scope = scope.where(Dossier.agency_code == agency_code)
    if date_from:
        scope = scope.where(Dossier.received_at >= dt.datetime.combine(date_from, dt.time(), dt.UTC))
    if date_to:
        scope = scope.where(
            Dossier.received_at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    ids = scope.subquery()
    received = session.scalar(select(func.count()).select_from(ids)) or 0

    def dossiers_where(*conditions: object) -> set[int]:
        query = (
            select(distinct(DossierDocument.dossier_id))
            .join(Document, Document.id == DossierDocument.document_id)
            .where(DossierDocument.dossier_id.in_(select(ids.c.id)), *conditions)  # type: ignore[arg-type]
        )
        return set(session.scalars(query))

    with_result = dossiers_where(Document.kind == DocumentKind.RESULT.value)
    with_components = dossiers_where(Document.kind != DocumentKind.RESULT.value)
    reused = dossiers_where(DossierDocument.reused.is_(True))
    return DigitisationStats(
        agency_code=agency_code,
        date_from=date_from,
        date_to=date_to,
        dossiers_received=received,
        digitisation=indicator(len(with_result & with_components), received, max_score),
        electronic_results=indicator(len(with_result), received, max_score),
        reuse=indicator(len(reused), received, max_score),
        max_score=max_score,
    )
