"""Who may see what: a dossier (its agency's staff, its owner, admins) and a document (the owner, an agency whose
dossier holds it, a grantee, admins), and who may add a version to a document. Each rule is written here once.

Consent (Decree 13/2023) is explicit: an active, unrevoked grant to that agency (or the portal), for exactly
the stated purpose, naming the document or its type. Silence is not consent. The document rule is written as SQL
conditions on `Document`, so a read fetches and authorises its documents in one prepared statement.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Row, Select, Table, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import Session

from core.types import Actor, Role
from vault.convert import RECORD_COLUMNS
from vault.errors import NotFound
from vault.models import Document, DocumentVersion, Dossier, DossierDocument, Grant, Owner

PORTAL = "portal"

Rule = Literal["all", "owner", "agency", "portal", "none"]


def grantee_of(actor: Actor) -> str | None:
    """The name a grant must carry for this actor: its agency code, or "portal"."""
    if actor.role is Role.PORTAL:
        return PORTAL
    if actor.role in (Role.STATION, Role.HANDLER):
        return actor.agency_code
    return None


def dossier_visible(actor: Actor, agency_code: str, owner_id: str) -> bool:
    """A dossier is seen by its agency's stations and handlers, its owner and admins; by nobody else."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.CITIZEN:
        return actor.owner_id is not None and actor.owner_id == owner_id
    return actor.role in (Role.STATION, Role.HANDLER) and actor.agency_code == agency_code


def owner_or_admin(actor: Actor, owner_id: str) -> bool:
    """Only the owner (a citizen whose token names them) or an admin lists a vault, its grants or its log."""
    return actor.role is Role.ADMIN or (actor.role is Role.CITIZEN and actor.owner_id == owner_id)


def _granted() -> ColumnElement[bool]:
    """An active grant of the document's owner covers it (or its type) for :grantee and :purpose at :now."""
    return exists().where(
        Grant.owner_pk == Document.owner_pk,
        Grant.grantee == bindparam("grantee"),
        Grant.purpose == bindparam("purpose"),
        Grant.revoked_at.is_(None),
        Grant.valid_until > bindparam("now"),
        or_(Grant.document_id == Document.id, and_(Grant.document_id.is_(None), Grant.type_code == Document.type_code)),
    )


def _held() -> ColumnElement[bool]:
    """A dossier of agency :grantee holds the document: linked to it, or the document came from it."""
    linked = exists().where(
        DossierDocument.document_id == Document.id,
        Dossier.id == DossierDocument.dossier_id,
        Dossier.agency_code == bindparam("grantee"),
    )
    source = exists().where(Dossier.code == Document.source_dossier_code, Dossier.agency_code == bindparam("grantee"))
    return or_(linked, source)


def _condition(rule: Rule) -> ColumnElement[bool]:
    if rule == "all":
        return true()
    if rule == "owner":
        return Document.owner_pk == select(Owner.id).where(Owner.owner_id == bindparam("owner_id")).scalar_subquery()
    if rule == "agency":
        return or_(_held(), _granted())
    if rule == "portal":
        return _granted()
    return false()


def rule_of(actor: Actor) -> Rule:
    """Which reading rule applies to this actor."""
    if actor.role is Role.ADMIN:
        return "all"
    if actor.role is Role.CITIZEN:
        return "owner" if actor.owner_id else "none"
    if actor.role is Role.PORTAL:
        return "portal" if actor.purpose else "none"
    if actor.role in (Role.STATION, Role.HANDLER) and actor.agency_code:
        return "agency"
    return "none"


@functools.cache
def _readable_statement(rule: Rule, ids_only: bool) -> Select[Any]:
    """Built once per rule: SQLAlchemy then reuses its compiled form (and cache key) on every read."""
    wanted = Document.id if ids_only else Document
    return select(wanted).where(Document.id.in_(bindparam("ids", expanding=True)), _condition(rule))


@functools.cache
def _granted_to_statement() -> Select[Any]:
    owner = select(Owner.id).where(Owner.owner_id == bindparam("owner_id")).scalar_subquery()
    return (
        select(Document).where(Document.owner_pk == owner, _granted()).order_by(Document.created_at.desc(), Document.id)
    )


@functools.cache
def _granted_statement() -> Select[str]:
    return select(Document.id).where(Document.id == bindparam("doc_id"), _granted())


def _parameters(actor: Actor) -> dict[str, Any]:
    return {
        "owner_id": actor.owner_id,
        "grantee": grantee_of(actor),
        "purpose": actor.purpose,
        "now": dt.datetime.now(dt.UTC),
    }


def _readable(session: Session, doc_ids: Sequence[str], actor: Actor, *, ids_only: bool) -> list[Any]:
    rule = rule_of(actor)
    if rule == "none" or not doc_ids:
        return []
    statement = _readable_statement(rule, ids_only)
    return list(session.scalars(statement, {"ids": list(doc_ids), **_parameters(actor)}))


def readable_documents(session: Session, doc_ids: Sequence[str], actor: Actor) -> list[Document]:
    """Those of the documents that exist and this actor may read (any order), in one query."""
    return _readable(session, doc_ids, actor, ids_only=False)


def readable_document(session: Session, doc_id: str, actor: Actor) -> Document:
    """The document, fetched and authorised in one statement; NotFound when absent or not readable."""
    found = readable_documents(session, [doc_id], actor)
    if not found:
        raise NotFound(f"no document {doc_id}")
    return found[0]


def granted_documents(session: Session, owner_id: str, actor: Actor) -> list[Document]:
    """The owner's documents an active grant to this actor's agency (or the portal) covers for its purpose,
    newest first, in one query."""
    grantee = grantee_of(actor)
    if grantee is None or not actor.purpose:
        return []
    parameters = {**_parameters(actor), "owner_id": owner_id, "grantee": grantee}
    return list(session.scalars(_granted_to_statement(), parameters))


_LINKS: Table = DossierDocument.__table__  # type: ignore[assignment]
_DOCUMENTS: Table = Document.__table__  # type: ignore[assignment]
_OWNERS: Table = Owner.__table__  # type: ignore[assignment]


@functools.cache
def _record_statement(rule: Rule) -> Select[Any]:
    """A document's record columns and its owner's id, where this rule lets the reader read it (Core)."""
    return (
        select(*RECORD_COLUMNS, _OWNERS.c.owner_id)
        .join_from(_DOCUMENTS, _OWNERS, _OWNERS.c.id == _DOCUMENTS.c.owner_pk)
        .where(_DOCUMENTS.c.id == bindparam("doc_id"), _condition(rule))
    )


def readable_record_row(connection: Connection, doc_id: str, actor: Actor) -> Row[Any]:
    """`readable_document` as one Core row (`vault.convert.document_record` reads it): the API's document read."""
    rule = rule_of(actor)
    row = None
    if rule != "none":
        row = connection.execute(_record_statement(rule), {"doc_id": doc_id, **_parameters(actor)}).first()
    if row is None:
        raise NotFound(f"no document {doc_id}")
    return row


_VERSIONS: Table = DocumentVersion.__table__  # type: ignore[assignment]
# What a content read needs of the version, labelled `version_<column>` beside the record's columns.
_VERSION_COLUMNS = ("number", "object_key", "object_version_id", "sha256", "size", "block_size", "block_digests")


@functools.cache
def _content_statement(rule: Rule, numbered: bool) -> Select[Any]:
    """`_record_statement` with the store columns of the document's current version (or version :number), joined
    outer so that a missing version is told from a missing document."""
    number = bindparam("number") if numbered else _DOCUMENTS.c.current_version
    version = (_VERSIONS.c[name].label(f"version_{name}") for name in _VERSION_COLUMNS)
    return (
        select(*RECORD_COLUMNS, _OWNERS.c.owner_id, *version)
        .join_from(_DOCUMENTS, _OWNERS, _OWNERS.c.id == _DOCUMENTS.c.owner_pk)
        .outerjoin(_VERSIONS, and_(_VERSIONS.c.document_id == _DOCUMENTS.c.id, _VERSIONS.c.number == number))
        .where(_DOCUMENTS.c.id == bindparam("doc_id"), _condition(rule))
    )


def readable_content_row(connection: Connection, doc_id: str, actor: Actor, version: int | None) -> Row[Any]:
    """A document this actor may read, with its owner's id and its current version's (or version `version`'s)
    `version_*` store columns, in one statement: a content read's one query. NotFound without either."""
    rule = rule_of(actor)
    row = None
    if rule != "none":
        parameters = {"doc_id": doc_id, "number": version, **_parameters(actor)}
        row = connection.execute(_content_statement(rule, version is not None), parameters).first()
    if row is None:
        raise NotFound(f"no document {doc_id}")
    if row.version_number is None:
        raise NotFound(f"no version {version or row.current_version} of document {doc_id}")
    return row


@functools.cache
def _linked_statement(rule: Rule) -> Select[Any]:
    return (
        select(
            _LINKS.c.component_name,
            _LINKS.c.reused,
            _LINKS.c.attached_at,
            *RECORD_COLUMNS,
            _OWNERS.c.owner_id,
            _condition(rule).label("readable"),
        )
        .join_from(_LINKS, _DOCUMENTS, _DOCUMENTS.c.id == _LINKS.c.document_id)
        .join(_OWNERS, _OWNERS.c.id == _DOCUMENTS.c.owner_pk)
        .where(_LINKS.c.dossier_id == bindparam("dossier_id"))
        .order_by(_LINKS.c.id)
    )


def linked_documents(connection: Connection, dossier_id: int, actor: Actor) -> list[Row[Any]]:
    """A dossier's links, each a Core row of its link's columns, its document's record columns and owner's id
    (`vault.convert.document_record` reads it) and `readable`: whether this actor may read it, in one query (a
    dossier read then needs three in all: the dossier with its owner, this, its events)."""
    return list(connection.execute(_linked_statement(rule_of(actor)), {"dossier_id": dossier_id, **_parameters(actor)}))


def _versionable_statement() -> Select[Any]:
    return select(Document).where(Document.id == bindparam("doc_id"), _held())


def versionable_document(session: Session, doc_id: str, actor: Actor) -> Document:
    """A document this actor may add a version to: admins any; stations and handlers one a dossier of their own
    agency holds (a grant lets an agency read, never rewrite); nobody else. NotFound otherwise, as for reads."""
    document = None
    if actor.role is Role.ADMIN:
        document = session.get(Document, doc_id)
    elif actor.role in (Role.STATION, Role.HANDLER) and actor.agency_code:
        parameters = {"doc_id": doc_id, "grantee": actor.agency_code}
        document = session.scalars(_versionable_statement(), parameters).one_or_none()
    if document is None:
        raise NotFound(f"no document {doc_id}")
    return document


def readable_ids(session: Session, doc_ids: Sequence[str], actor: Actor) -> set[str]:
    """Those of the ids that name a document this actor may read (one query, whatever their number)."""
    return set(_readable(session, doc_ids, actor, ids_only=True))


def document_granted(
    session: Session, doc_id: str, grantee: str, purpose: str | None, now: dt.datetime | None = None
) -> bool:
    """True when an active grant of the document's owner covers it (or its type) for this grantee and purpose."""
    if not purpose:
        return False
    parameters = {"doc_id": doc_id, "grantee": grantee, "purpose": purpose, "now": now or dt.datetime.now(dt.UTC)}
    return session.execute(_granted_statement(), parameters).first() is not None
