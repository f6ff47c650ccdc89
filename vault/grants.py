"""The door's grants and access log: an owner's explicit consent (grantee, purpose, one document or type, until),
its withdrawal, the check a grantee's read relies on, and the owner's view of who touched their papers.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from sqlalchemy import select

from core.identifiers import InvalidIdentifier, validate_agency_code
from core.types import Actor
from vault.access import PORTAL, document_granted, grantee_of, owner_or_admin
from vault.audit import record_access
from vault.base import VaultBase
from vault.convert import grant_record
from vault.errors import Forbidden, InvalidInput, NotFound
from vault.models import Document, Grant, Owner, utcnow
from vault.owners import owner_row
from vault.records import GrantRecord
from vault.reports import AccessEntry, owner_access_log


class GrantsAndLog(VaultBase):
    """Grants and the owner's access log, behind the `Vault` door."""

    def create_grant(
        self,
        owner_id: str,
        grantee: str,
        purpose: str,
        valid_until: dt.datetime,
        actor: Actor,
        *,
        document_id: str | None = None,
        type_code: str | None = None,
    ) -> GrantRecord:
        """Record the owner's explicit consent: one grantee (agency code or "portal"), purpose and scope."""
        if not owner_or_admin(actor, owner_id):
            raise Forbidden("only the owner grants access to their vault")
        purpose = unicodedata.normalize("NFC", purpose).strip()
        if not purpose:
            raise InvalidInput("a grant states its purpose")
        if bool(document_id) == bool(type_code):
            raise InvalidInput("a grant names either one document or one document type")
        if valid_until.tzinfo is None or valid_until <= utcnow():
            raise InvalidInput("a grant needs a timezone-aware end in the future")
        if grantee != PORTAL:
            try:
                validate_agency_code(grantee)
            except InvalidIdentifier as exc:
                raise InvalidInput(str(exc)) from exc
        with self.sessions.begin() as session:
            owner = owner_row(session, owner_id, self._partition_key)
            if document_id:
                document = session.get(Document, document_id)
                if document is None or document.owner_pk != owner.id:
                    raise NotFound(f"no document {document_id}")
            grant = Grant(
                owner_pk=owner.id,
                grantee=grantee,
                document_id=document_id,
                type_code=type_code,
                purpose=purpose,
                valid_until=valid_until,
                created_by=actor.subject,
            )
            session.add(grant)
            session.flush()
            record_access(session, actor, "grant", document_id=document_id, detail=f"grant {grant.id}")
            return grant_record(grant, owner.owner_id)

    def list_grants(self, owner_id: str, actor: Actor, *, active_only: bool = False) -> list[GrantRecord]:
        if not owner_or_admin(actor, owner_id):
            raise Forbidden("only the owner lists their grants")
        with self.reader() as session:
            rows = session.execute(
                select(Grant).join(Owner, Owner.id == Grant.owner_pk).where(Owner.owner_id == owner_id)
            )
            grants = [grant_record(g, owner_id) for g in rows.scalars()]
        return [g for g in grants if g.active] if active_only else grants

    def revoke_grant(self, grant_id: int, actor: Actor) -> GrantRecord:
        """Withdraw consent from now on (the grant row stays, with its revocation time)."""
        with self.sessions.begin() as session:
            grant = session.get(Grant, grant_id)
            owner = session.get(Owner, grant.owner_pk) if grant else None
            if grant is None or owner is None:
                raise NotFound(f"no grant {grant_id}")
            if not owner_or_admin(actor, owner.owner_id):
                raise NotFound(f"no grant {grant_id}")
            if grant.revoked_at is None:
                grant.revoked_at = utcnow()
                record_access(session, actor, "revoke_grant", document_id=grant.document_id, detail=f"grant {grant_id}")
            return grant_record(grant, owner.owner_id)

    def check_grant(self, doc_id: str, actor: Actor) -> bool:
        """True when an active grant lets this actor's agency (or the portal) read it for its purpose."""
        grantee = grantee_of(actor)
        if grantee is None:
            return False
        with self.reader() as session:
            return document_granted(session, doc_id, grantee, actor.purpose)

    def owner_access_log(self, owner_id: str, actor: Actor, *, limit: int = 200, offset: int = 0) -> list[AccessEntry]:
        """Who read or wrote the owner's documents, newest first (Decree 13/2023): for the owner or an admin."""
        if not owner_or_admin(actor, owner_id):
            raise Forbidden("only the owner reads who touched their papers")
        with self.reader() as session:
            return owner_access_log(session, owner_id, limit=limit, offset=offset)
