"""Read-only reports over the catalogue: an owner's access log, and the digitisation indicators of Decision
766/QĐ-TTg (digitisation, electronic results, reuse; 80% scoring).

Each takes an open session; the `Vault` door (`vault.grants`, `vault.upkeep`) authorises the caller first.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from core.timezone import VN_TZ
from vault.models import AccessLog, Document, Dossier, DossierDocument, Owner

FULL_MARKS_RATE = 0.8  # full marks at 80% or more, otherwise score = rate x max / 80%
DEFAULT_MAX_SCORE = 10.0


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


class Indicator(BaseModel):
    numerator: int
    denominator: int
    rate: float  # 0..1
    score: float


class DigitisationStats(BaseModel):
    """Indicators of the dossiers received by an agency (all agencies when None) between two dates (VN time)."""

    agency_code: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    dossiers_received: int
    max_score: float
    digitisation: Indicator
    electronic_results: Indicator
    reuse: Indicator


def _indicator(numerator: int, denominator: int, max_score: float) -> Indicator:
    rate = numerator / denominator if denominator else 0.0
    score = max_score if rate >= FULL_MARKS_RATE else rate * max_score / FULL_MARKS_RATE
    return Indicator(numerator=numerator, denominator=denominator, rate=round(rate, 4), score=round(score, 2))


def digitisation_stats(
    session: Session,
    agency_code: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    max_score: float = DEFAULT_MAX_SCORE,
) -> DigitisationStats:
    """Decision 766 indicators, as the national monitoring system computes them (see docs/vault.md):

    - digitisation = dossiers with a component file and an electronic result / dossiers received;
    - electronic results = dossiers with an electronic result / dossiers that have a result or are received
      (no procedure catalogue here says which procedures end with a result, so all received dossiers count);
    - reuse = dossiers with at least one component taken from the vault / dossiers received.
    """
    dossiers = select(Dossier.id)
    if agency_code:
        dossiers = dossiers.where(Dossier.agency_code == agency_code)
    if date_from:
        dossiers = dossiers.where(Dossier.received_at >= dt.datetime.combine(date_from, dt.time(), VN_TZ))
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), VN_TZ)
        dossiers = dossiers.where(Dossier.received_at < end)
    scope = dossiers.subquery()
    received = session.execute(select(func.count()).select_from(scope)).scalar_one()

    def count_with(*conditions: object) -> int:
        query = (
            select(func.count(distinct(DossierDocument.dossier_id)))
            .join(Document, Document.id == DossierDocument.document_id)
            .where(DossierDocument.dossier_id.in_(select(scope.c.id)), *conditions)  # type: ignore[arg-type]
        )
        return int(session.execute(query).scalar_one())

    def linked(kind: str) -> object:
        other = DossierDocument.__table__.alias("other_link")
        other_doc = Document.__table__.alias("other_doc")
        return exists().where(
            other.c.dossier_id == DossierDocument.dossier_id,
            other.c.document_id == other_doc.c.id,
            other_doc.c.kind == kind,
        )

    with_result = count_with(Document.kind == "result")
    digitised = count_with(Document.kind.not_in(("result", "notice")), linked("result"))  # notices are ours
    reused = count_with(DossierDocument.reused.is_(True))
    return DigitisationStats(
        agency_code=agency_code,
        date_from=date_from,
        date_to=date_to,
        dossiers_received=int(received),
        max_score=max_score,
        digitisation=_indicator(digitised, int(received), max_score),
        electronic_results=_indicator(with_result, int(received), max_score),
        reuse=_indicator(reused, int(received), max_score),
    )
