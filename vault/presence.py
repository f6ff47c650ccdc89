"""Before scanning: which of a procedure's papers (by document type code) the owner's vault already holds with legal
value, so the counter does not scan them again ("đã có trong kho, không cần scan lại").

A paper has legal value here when the agency's pipeline or an agency stored it signed (a component, a result, a
certified copy; not a citizen's own upload, not a notice) and it is usable: not expired, revoked, cancelled or
superseded. The newest such paper of each type is named.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select

from core.types import Actor, DocumentStatus, Role
from vault.audit import record_access
from vault.base import VaultBase
from vault.convert import effective_status
from vault.errors import Forbidden
from vault.models import Document, Owner
from vault.owners import check_owner_id

LEGAL_KINDS = ("component", "result", "certified_copy")
MAX_TYPES = 30


class PaperOnFile(BaseModel):
    """One requested type: the newest usable paper of the owner with legal value, or none (scan it)."""

    type_code: str
    on_file: bool
    document_id: str | None = None
    name: str | None = None
    kind: str | None = None
    issuing_agency_code: str | None = None


class Presence(VaultBase):
    """The counter's look-up before scanning, behind the `Vault` door."""

    def papers_on_file(self, owner_id: str, type_codes: list[str], actor: Actor) -> list[PaperOnFile]:
        """For each type code, the owner's paper that makes a new scan unnecessary. Stations and handlers (the
        citizen at their counter), the owner and admins ask; each paper named is logged as a `view` of it."""
        owner_id = check_owner_id(owner_id)
        if actor.role not in (Role.STATION, Role.HANDLER, Role.ADMIN) and actor.owner_id != owner_id:
            raise Forbidden("the counter, the owner or an administrator asks what the vault holds")
        wanted = list(dict.fromkeys(t for t in type_codes if t))[:MAX_TYPES]
        with self.sessions.begin() as session:
            query = (
                select(Document)
                .join(Owner, Owner.id == Document.owner_pk)
                .where(Owner.owner_id == owner_id, Document.type_code.in_(wanted), Document.kind.in_(LEGAL_KINDS))
                .order_by(Document.created_at.desc(), Document.id)
            )
            newest: dict[str, Document] = {}
            for document in session.scalars(query):
                usable = effective_status(document) is DocumentStatus.VALID
                if usable and document.type_code not in newest:
                    newest[str(document.type_code)] = document
            for document in newest.values():
                record_access(session, actor, "view", document_id=document.id, detail="on file before scanning")
            return [_answer(type_code, newest.get(type_code)) for type_code in wanted]


def _answer(type_code: str, document: Document | None) -> PaperOnFile:
    if document is None:
        return PaperOnFile(type_code=type_code, on_file=False)
    return PaperOnFile(
        type_code=type_code,
        on_file=True,
        document_id=document.id,
        name=document.name,
        kind=document.kind,
        issuing_agency_code=document.issuing_agency_code,
    )
