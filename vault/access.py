"""Who may read which document: the owner, an agency whose dossier holds it, a grantee, admins.

Consent (Decree 13/2023) is explicit: an active, unrevoked grant to that agency (or the portal), for exactly
the stated purpose, naming the document or its type. Silence is not consent.
"""

from __future__ import annotations

import datetime as dt

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


def agency_holds(session: Session, document: Document, agency_code: str) -> bool:
    """True when a dossier of this agency holds the document (linked, or it came from that dossier)."""
    linked = select(
        exists()
        .where(DossierDocument.document_id == document.id)
        .where(DossierDocument.dossier_id == Dossier.id)
        .where(Dossier.agency_code == agency_code)
    )
    if session.execute(linked).scalar():
        return True
    if document.source_dossier_code:
        source = session.execute(select(Dossier.agency_code).where(Dossier.code == document.source_dossier_code))
        return source.scalar() == agency_code
    return False


def can_read(session: Session, document: Document, actor: Actor) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.CITIZEN:
        return actor.owner_id is not None and actor.owner_id == document.owner.owner_id
    grantee = grantee_of(actor)
    if grantee is None:
        return False
    if actor.role is not Role.PORTAL and agency_holds(session, document, grantee):
        return True
    return has_grant(session, document.owner_pk, grantee, actor.purpose, document.id, document.type_code)
