"""Who may read which document: the owner, an agency whose dossier holds it, a grantee, admins.

Consent (Decree 13/2023) is explicit: an active, unrevoked grant to that agency (or the portal), for exactly
the stated purpose, naming the document or its type. Silence is not consent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from core.types import Actor, Role
from vault.models import Document, Dossier, DossierDocument, Grant

PORTAL = "portal"


def grantee_of(actor: Actor) -> str | None:
    """The name a grant must carry for this actor: its agency code, or "portal"."""
    if actor.role is Role.PORTAL:
        return PORTAL
    if actor.role in (Role.STATION, Role.HANDLER):
        return actor.agency_code
    return None


def has_grant(
    session: Session,
    owner_pk: int,
    grantee: str,
    purpose: str | None,
    document_id: str | None,
    type_code: str | None,
    now: dt.datetime | None = None,
) -> bool:
    """True when an active grant of the owner covers this document (or its type), grantee and purpose."""
    if not purpose:
        return False
    scope = [Grant.document_id == document_id] if document_id else []
    if type_code:
        scope.append((Grant.document_id.is_(None)) & (Grant.type_code == type_code))
    if not scope:
        return False
    query = select(
        exists().where(
            Grant.owner_pk == owner_pk,
            Grant.grantee == grantee,
            Grant.purpose == purpose,
            Grant.revoked_at.is_(None),
            Grant.valid_until > (now or dt.datetime.now(dt.UTC)),
            or_(*scope),
        )
    )
    return bool(session.execute(query).scalar())


def document_granted(
    session: Session, doc_id: str, grantee: str, purpose: str | None, now: dt.datetime | None = None
) -> bool:
    """`has_grant` for a document known by id only, in one query (the grant check the API calls most)."""
    if not purpose:
        return False
    doc = select(Document.owner_pk, Document.type_code).where(Document.id == doc_id).subquery()
    query = select(
        exists().where(
            Grant.owner_pk == doc.c.owner_pk,
            Grant.grantee == grantee,
            Grant.purpose == purpose,
            Grant.revoked_at.is_(None),
            Grant.valid_until > (now or dt.datetime.now(dt.UTC)),
            or_(Grant.document_id == doc_id, and_(Grant.document_id.is_(None), Grant.type_code == doc.c.type_code)),
        )
    )
    return bool(session.execute(query).scalar())


def agency_held_ids(session: Session, documents: Sequence[Document], agency_code: str) -> set[str]:
    """Ids of the documents a dossier of this agency holds (linked to it, or they came from it); one query
    for the links and one for the source dossiers, whatever the number of documents."""
    ids = [document.id for document in documents]
    held = set(
        session.scalars(
            select(DossierDocument.document_id)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(DossierDocument.document_id.in_(ids), Dossier.agency_code == agency_code)
        )
    )
    sources = {d.source_dossier_code for d in documents if d.id not in held and d.source_dossier_code}
    if sources:
        rows = session.execute(select(Dossier.code, Dossier.agency_code).where(Dossier.code.in_(sources)))
        agencies = {code: agency for code, agency in rows}
        held |= {
            d.id for d in documents if d.source_dossier_code and agencies.get(d.source_dossier_code) == agency_code
        }
    return held


def agency_holds(session: Session, document: Document, agency_code: str) -> bool:
    """True when a dossier of this agency holds the document (linked, or it came from that dossier)."""
    return document.id in agency_held_ids(session, [document], agency_code)


def readable_ids(session: Session, documents: Sequence[Document], actor: Actor) -> set[str]:
    """Ids of the documents this actor may read: the owner's own, those an agency's dossier holds (for its
    stations and handlers), those under an active grant for the actor's purpose, and every one for admins."""
    if actor.role is Role.ADMIN:
        return {document.id for document in documents}
    if actor.role is Role.CITIZEN:
        return {d.id for d in documents if actor.owner_id is not None and d.owner.owner_id == actor.owner_id}
    grantee = grantee_of(actor)
    if grantee is None or not documents:
        return set()
    held = agency_held_ids(session, documents, grantee) if actor.role is not Role.PORTAL else set()
    granted = {
        d.id
        for d in documents
        if d.id not in held and has_grant(session, d.owner_pk, grantee, actor.purpose, d.id, d.type_code)
    }
    return held | granted


def can_read(session: Session, document: Document, actor: Actor) -> bool:
    return document.id in readable_ids(session, [document], actor)
