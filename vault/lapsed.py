"""Why a grantee's read is refused once the owner's consent has ended: the grant that covered the paper (or the
owner's papers) for the stated purpose was revoked or ran out. Looked up only on the refusal path.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from core.types import Actor
from vault.access import grantee_of
from vault.errors import GrantLapsed
from vault.models import Document, Grant, Owner


def _ended_at(grant: Grant) -> dt.datetime:
    return grant.revoked_at or grant.valid_until


def refusal(grant: Grant) -> GrantLapsed:
    """The 403 a grantee reads: which grant, revoked or expired, and when (UTC); nothing personal."""
    how = "revoked" if grant.revoked_at is not None else "expired"
    ended = _ended_at(grant)
    ended = ended.replace(tzinfo=dt.UTC) if ended.tzinfo is None else ended.astimezone(dt.UTC)
    when = ended.isoformat(timespec="seconds").replace("+00:00", "Z")
    return GrantLapsed(
        f"the owner's grant {grant.id} for this purpose was {how} at {when}",
        grant_id=grant.id,
        revoked=grant.revoked_at is not None,
    )


def _lapsed(now: dt.datetime) -> ColumnElement[bool]:
    return or_(Grant.revoked_at.is_not(None), Grant.valid_until <= now)


def lapsed_for_document(session: Session, doc_id: str, actor: Actor) -> GrantLapsed | None:
    """The refusal when a revoked or expired grant of the document's owner to this grantee, for this purpose,
    named the document or its type (the newest such grant); None when no grant ever covered it."""
    grantee = grantee_of(actor)
    if grantee is None or not actor.purpose:
        return None
    now = dt.datetime.now(dt.UTC)  # bound as vault.access binds it
    covers = or_(
        Grant.document_id == Document.id, and_(Grant.document_id.is_(None), Grant.type_code == Document.type_code)
    )
    grant = session.scalars(
        select(Grant)
        .join(Document, and_(Document.owner_pk == Grant.owner_pk, Document.id == doc_id))
        .where(Grant.grantee == grantee, Grant.purpose == actor.purpose, covers, _lapsed(now))
        .order_by(func.coalesce(Grant.revoked_at, Grant.valid_until).desc(), Grant.id.desc())
        .limit(1)
    ).first()
    return refusal(grant) if grant is not None else None


def lapsed_for_owner(session: Session, owner_id: str, actor: Actor) -> GrantLapsed | None:
    """The refusal when this grantee holds no active grant of the owner for this purpose any more but held one
    (the newest revoked or expired); None when an active grant remains or none was ever given."""
    grantee = grantee_of(actor)
    if grantee is None or not actor.purpose:
        return None
    now = dt.datetime.now(dt.UTC)  # bound as vault.access binds it
    mine = and_(Grant.owner_pk == Owner.id, Owner.owner_id == owner_id, Grant.grantee == grantee)
    mine = and_(mine, Grant.purpose == actor.purpose)
    if session.scalar(select(exists().where(mine, Grant.revoked_at.is_(None), Grant.valid_until > now))):
        return None
    grant = session.scalars(
        select(Grant)
        .where(mine, _lapsed(now))
        .order_by(func.coalesce(Grant.revoked_at, Grant.valid_until).desc(), Grant.id.desc())
        .limit(1)
    ).first()
    return refusal(grant) if grant is not None else None
