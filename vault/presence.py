"""Before scanning: which of a procedure's papers (by document type code) the owner's vault already holds with legal
value, so the counter does not scan them again ("đã có trong kho, không cần scan lại").

A paper has legal value here when the agency's pipeline or an agency stored it signed (a component, a result, a
certified copy; not a citizen's own upload, not a notice) and it is usable: not expired, revoked, cancelled or
superseded. The newest such paper of each type is named.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Actor, DocumentStatus, Role
from vault.audit import record_access
from vault.base import VaultBase
from vault.convert import effective_status
from vault.errors import Forbidden
from vault.models import Document, Owner
from vault.owners import check_owner_id

# The two rules of "usable papers": with legal value (the counter need not scan it again), or reusable in a new
# dossier by the owner's consent (any paper of theirs, their own uploads too; never another dossier's notice).
LEGAL_KINDS = ("component", "result", "certified_copy")
REUSABLE_KINDS = (*LEGAL_KINDS, "citizen_upload")
MAX_TYPES = 30


def newest_usable(
    session: Session, owner_pk: int, type_codes: Iterable[str], kinds: tuple[str, ...]
) -> dict[str, Document]:
    """The owner's newest usable paper (not expired, revoked, cancelled or superseded) of each type, among `kinds`;
    a type the vault holds no such paper of is absent. The one query behind the counter's look-up and reuse."""
    wanted = list(dict.fromkeys(t for t in type_codes if t))
    query = (
        select(Document)
        .where(Document.owner_pk == owner_pk, Document.type_code.in_(wanted), Document.kind.in_(kinds))
        .order_by(Document.created_at.desc(), Document.id)
    )
    newest: dict[str, Document] = {}
    for document in session.scalars(query):
        if str(document.type_code) not in newest and effective_status(document) is DocumentStatus.VALID:
            newest[str(document.type_code)] = document
    return newest


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
            owner_pk = session.scalar(select(Owner.id).where(Owner.owner_id == owner_id))
            newest = newest_usable(session, owner_pk, wanted, LEGAL_KINDS) if owner_pk is not None else {}
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
