"""Reuse of vault papers in a dossier (a link, never a copy, logged as `reuse`) and the counter's consent requests:
a one-time code shown in the citizen's own account that the citizen reads out to the officer.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlalchemy.orm import Session

from core.types import Actor, DocumentStatus, Role
from vault import outbox
from vault.access import document_granted
from vault.audit import record_access
from vault.convert import document_record, effective_status
from vault.errors import Conflict, Forbidden, NotFound, ReuseRefused
from vault.models import ConsentRequest, Document, Dossier, DossierDocument, Owner, utcnow
from vault.presence import REUSABLE_KINDS, newest_unusable, newest_usable
from vault.records import LinkedDocument

UNUSABLE = (
    DocumentStatus.EXPIRED,
    DocumentStatus.REVOKED,
    DocumentStatus.CANCELLED,
    DocumentStatus.SUPERSEDED,
)
CONSENT_MINUTES = 15
CONSENT_ATTEMPTS = 5


def link_reused(
    session: Session, dossier: Dossier, doc_id: str, component_name: str | None, actor: Actor
) -> LinkedDocument:
    """Link a vault paper into the dossier (the caller has authorised the dossier): the paper must be the
    owner's, or covered by the owner's grant to the dossier's agency for the actor's purpose, and usable."""
    document = session.get(Document, doc_id)
    if document is None:
        raise NotFound(f"no document {doc_id}")
    own = document.owner_pk == dossier.owner_pk
    granted = document_granted(session, document.id, dossier.agency_code, actor.purpose)
    if not (own or granted or actor.role is Role.ADMIN):
        raise NotFound(f"no document {doc_id}")
    if document.kind == "notice":
        raise ReuseRefused(f"document {doc_id} is a notice of another dossier and cannot be reused")
    status = effective_status(document)
    if status in UNUSABLE:
        raise ReuseRefused(f"document {doc_id} is {status} and cannot be reused")
    link = DossierDocument(
        dossier_id=dossier.id,
        document_id=doc_id,
        component_name=component_name or document.name,
        reused=True,
        attached_by=actor.subject,
    )
    session.add(link)
    try:
        session.flush()
    except DBIntegrityError as exc:
        raise Conflict("the document is already attached to this dossier") from exc
    record_access(session, actor, "reuse", document_id=doc_id, dossier_code=dossier.code)
    outbox.document_reused(session, dossier, document, link, actor.role.value)
    return LinkedDocument(
        document=document_record(document),
        component_name=link.component_name,
        reused=True,
        attached_at=link.attached_at,
    )


class NothingToReuse(NotFound):
    """A consent request by type whose every type is left out; `left_out` says why for each, as a request's answer."""

    def __init__(self, left: dict[str, str]) -> None:
        super().__init__("the citizen's vault holds no usable paper of these types")
        self.left_out = left


class WrongConsentCode(Forbidden):
    """The code the officer typed is not the request's: counted by `count_wrong_try` in a transaction of its own."""


def count_wrong_try(session: Session, request_id: str) -> None:
    request = session.get(ConsentRequest, request_id, with_for_update=True)
    if request is not None:
        request.attempts += 1


def usable_of_types(session: Session, owner: Owner, type_codes: list[str]) -> list[str]:
    """The owner's newest reusable paper of each type (not a notice; not expired, revoked, cancelled, superseded)."""
    newest = newest_usable(session, owner.id, type_codes, REUSABLE_KINDS)
    return [newest[t].id for t in dict.fromkeys(type_codes) if t in newest]


def left_out(session: Session, owner: Owner, type_codes: list[str], doc_ids: list[str]) -> dict[str, str]:
    """The types asked for that a consent request does not cover, each with why: `missing` (no paper of it to
    reuse) or the status of the newest one held (expired, revoked, cancelled, superseded)."""
    covered = set(session.scalars(select(Document.type_code).where(Document.id.in_(doc_ids))))
    wanted = [t for t in dict.fromkeys(type_codes) if t and t not in covered]
    gone = newest_unusable(session, owner.id, wanted, REUSABLE_KINDS) if wanted else {}
    return {t: str(effective_status(gone[t])) if t in gone else "missing" for t in wanted}


def new_consent(
    session: Session,
    owner: Owner,
    agency_code: str,
    procedure_code: str,
    doc_ids: list[str],
    actor: Actor,
    type_codes: list[str] | None = None,
) -> ConsentRequest:
    """A consent request for these papers of the owner (or the newest usable paper of each type), with its one-time
    code (shown to the owner alone). NotFound when the vault holds none of them."""
    doc_ids = doc_ids or usable_of_types(session, owner, type_codes or [])
    if not doc_ids:
        raise NotFound("the citizen's vault holds no usable paper of these types")
    found = set(session.scalars(select(Document.id).where(Document.id.in_(doc_ids), Document.owner_pk == owner.id)))
    missing = [doc_id for doc_id in doc_ids if doc_id not in found]
    if missing:
        raise NotFound(f"no document {missing[0]}")
    code = f"{secrets.randbelow(1_000_000):06d}"
    request = ConsentRequest(
        id=uuid.uuid4().hex,
        owner_pk=owner.id,
        agency_code=agency_code,
        procedure_code=procedure_code,
        document_ids=list(dict.fromkeys(doc_ids)),
        requested_by=actor.subject,
        expires_at=utcnow() + dt.timedelta(minutes=CONSENT_MINUTES),
        attempts=0,
        code=code,
    )
    session.add(request)
    session.flush()
    return request


def take_consent(
    session: Session, request_id: str, code: str, owner: Owner, agency_code: str, doc_ids: list[str]
) -> ConsentRequest:
    """The consent request, checked and used up: the same owner, agency and papers, not expired, the right code
    (five wrong tries end it). Forbidden otherwise, with the reason; WrongConsentCode for a wrong code."""
    request = session.get(ConsentRequest, request_id, with_for_update=True)
    if request is None or request.owner_pk != owner.id or request.agency_code != agency_code:
        raise Forbidden("no such consent request for this citizen and agency")
    if request.used_at is not None or request.attempts >= CONSENT_ATTEMPTS or request.expires_at < utcnow():
        raise Forbidden("the consent code was used, expired or tried too often: ask the citizen again")
    if not set(doc_ids) <= set(request.document_ids):
        raise Forbidden("the citizen did not consent to reuse every one of these papers")
    if not hmac.compare_digest(request.code, code.strip()):
        raise WrongConsentCode("the consent code is wrong")
    request.used_at = utcnow()
    return request
