"""Before scanning: which of a procedure's papers (by document type code) the owner's vault already holds with legal
value, so the counter does not scan them again ("đã có trong kho, không cần scan lại").

A paper has legal value here when the agency's pipeline or an agency stored it signed (a component, a result, a
certified copy; not a citizen's own upload, not a notice) and it is usable: not expired, revoked, cancelled or
superseded. The newest such paper of each type is named.
"""

from __future__ import annotations

import datetime as dt
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


ON_FILE = "on file before scanning"  # the access log's detail of the look-up, action `check` (no content read)


def newest_unusable(
    session: Session, owner_pk: int, type_codes: Iterable[str], kinds: tuple[str, ...] = LEGAL_KINDS
) -> dict[str, Document]:
    """For each type, the owner's newest paper with legal value when it is no longer usable (expired, revoked,
    cancelled, superseded): the counter says why it must be scanned, or brought anew, instead of "not on file"."""
    query = (
        select(Document)
        .where(Document.owner_pk == owner_pk, Document.type_code.in_(list(type_codes)), Document.kind.in_(kinds))
        .order_by(Document.created_at.desc(), Document.id)
    )
    newest: dict[str, Document] = {}
    for document in session.scalars(query):
        newest.setdefault(str(document.type_code), document)
    return {code: doc for code, doc in newest.items() if effective_status(doc) is not DocumentStatus.VALID}


class PaperOnFile(BaseModel):
    """One requested type: the newest usable paper of the owner with legal value, or none (scan it); when none,
    the status of the newest one that is no longer usable (`unusable`: expired, revoked, cancelled, superseded)."""

    type_code: str
    on_file: bool
    document_id: str | None = None
    name: str | None = None
    kind: str | None = None
    issuing_agency_code: str | None = None
    unusable: str | None = None
    valid_until: dt.date | None = None
    issue_date: dt.date | None = None  # what the counter needs to know of a paper held: no number, no content
    permanent: bool | None = None
    digitised_on: dt.date | None = None  # a scanned paper (no issuer known): the day it was digitised


class Presence(VaultBase):
    """The counter's look-up before scanning, behind the `Vault` door."""

    def papers_on_file(self, owner_id: str, type_codes: list[str], actor: Actor) -> list[PaperOnFile]:
        """For each type code, the owner's paper that makes a new scan unnecessary. Stations and handlers (the
        citizen at their counter), the owner and admins ask; each paper named is logged as a `check` of it (its
        existence, not its content)."""
        owner_id = check_owner_id(owner_id)
        if actor.role not in (Role.STATION, Role.HANDLER, Role.ADMIN) and actor.owner_id != owner_id:
            raise Forbidden("the counter, the owner or an administrator asks what the vault holds")
        wanted = list(dict.fromkeys(t for t in type_codes if t))[:MAX_TYPES]
        with self.sessions.begin() as session:
            owner_pk = session.scalar(select(Owner.id).where(Owner.owner_id == owner_id))
            newest = newest_usable(session, owner_pk, wanted, LEGAL_KINDS) if owner_pk is not None else {}
            missing = [t for t in wanted if t not in newest]
            gone = newest_unusable(session, owner_pk, missing) if owner_pk is not None and missing else {}
            for document in [*newest.values(), *gone.values()]:
                record_access(session, actor, "check", document_id=document.id, detail=ON_FILE)
            return [_answer(type_code, newest.get(type_code), gone.get(type_code)) for type_code in wanted]


def _answer(type_code: str, document: Document | None, unusable: Document | None = None) -> PaperOnFile:
    if document is None and unusable is not None:
        status = str(effective_status(unusable))
        return PaperOnFile(type_code=type_code, on_file=False, unusable=status, valid_until=unusable.valid_until)
    if document is None:
        return PaperOnFile(type_code=type_code, on_file=False)
    return PaperOnFile(
        type_code=type_code,
        on_file=True,
        document_id=document.id,
        name=document.name,
        kind=document.kind,
        issuing_agency_code=document.issuing_agency_code,
        valid_until=document.valid_until,
        issue_date=document.issue_date,
        permanent=bool(document.permanent),
        digitised_on=document.digitised_at.date() if document.digitised_at else None,
    )
