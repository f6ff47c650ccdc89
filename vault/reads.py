"""The door's document reads: a record, its versions and verified content, an owner's vault, the papers granted
to an agency or the portal, and full-text search. Every read is authorised by `vault.access` and logged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Actor, DocumentStatus
from vault.access import (
    granted_documents,
    owner_or_admin,
    readable_content_row,
    readable_document,
    readable_record_row,
)
from vault.audit import Link, record_access
from vault.base import VaultBase
from vault.convert import document_record, version_record
from vault.errors import Forbidden, IntegrityError, NotFound, VaultError
from vault.lapsed import lapsed_for_document, lapsed_for_owner
from vault.models import Document, DocumentVersion, Owner
from vault.owners import check_owner_id
from vault.records import DocumentFilters, DocumentRecord, Page, VersionRecord
from vault.search import SearchHit, catch_up, search
from vault.store.base import ByteRange
from vault.store.blocks import BlockDigests
from vault.store.stream import StreamedContent
from vault.store.verify import VerifiedContent


def _whole(size: int) -> ByteRange | None:
    return None


def _readable(session: Session, doc_id: str, actor: Actor) -> Document:
    """A document the actor may read; refused with the 403 naming the grant when the owner's grant that covered it
    for this purpose was revoked or ran out, else NotFound (`vault/lapsed.py`)."""
    try:
        return readable_document(session, doc_id, actor)
    except NotFound as error:
        raise (lapsed_for_document(session, doc_id, actor) or error) from None


def _readable_version(
    session: Session, doc_id: str, actor: Actor, version: int | None
) -> tuple[Document, DocumentVersion]:
    """A document the actor may read and its version `version` (None: the current one); NotFound without it."""
    document = _readable(session, doc_id, actor)
    number = version or document.current_version
    row = session.execute(
        select(DocumentVersion).where(DocumentVersion.document_id == doc_id, DocumentVersion.number == number)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no version {number} of document {doc_id}")
    return document, row


class DocumentReads(VaultBase):
    """Authorised, logged reads of documents, behind the `Vault` door."""

    def get_document(self, doc_id: str, actor: Actor, *, log_read: bool = True) -> DocumentRecord:
        """The catalogue record of a document the actor may read (the read is logged unless `log_read=False`,
        for callers that log the read they are about to make themselves)."""
        with self.read_engine.connect() as connection:  # no write lock while authorising; a Core row, no ORM
            try:
                record = document_record(readable_record_row(connection, doc_id, actor))
            except NotFound as error:
                raise self._refusal(doc_id, actor, error) from None
        if log_read:  # committed before the record is returned, in a transaction shared with concurrent reads
            self.access_log.append([Link(actor, "view", doc_id)])
        return record

    def _refusal(self, doc_id: str, actor: Actor, error: NotFound) -> VaultError:
        """A read refused: a 403 naming the grant when the owner's grant that covered it for this purpose was
        revoked or ran out (the grantee held it: nothing disclosed), else the 404 as it was."""
        with self.reader() as session:
            return lapsed_for_document(session, doc_id, actor) or error

    def document_versions(self, doc_id: str, actor: Actor) -> list[VersionRecord]:
        """Every stored version of a document the actor may read, oldest first."""
        with self.reader() as session:
            _readable(session, doc_id, actor)
            rows = session.execute(
                select(DocumentVersion).where(DocumentVersion.document_id == doc_id).order_by(DocumentVersion.number)
            )
            return [version_record(v) for v in rows.scalars()]

    def open_content(
        self, doc_id: str, actor: Actor, byte_range: ByteRange | None = None, version: int | None = None
    ) -> VerifiedContent:
        """The verified PDF bytes (or a byte range) of the current or a given version; the read is logged.

        Raises IntegrityError (and alerts) when the stored bytes fail their SHA-256; nothing is served then.
        """
        with self.sessions.begin() as session:
            _document, row = _readable_version(session, doc_id, actor, version)
            number = row.number
            record_access(session, actor, "read", document_id=doc_id, detail=f"v{number}")
            key, version_id, sha256 = row.object_key, row.object_version_id, row.sha256
        try:
            return self.store.open(key, version_id, sha256, byte_range)
        except IntegrityError:
            with self.sessions.begin() as session:
                record_access(session, actor, "integrity_error", document_id=doc_id, detail=f"v{number}")
            raise

    def stream_content(
        self,
        doc_id: str,
        actor: Actor,
        byte_range: Callable[[int], ByteRange | None] = _whole,
        version: int | None = None,
    ) -> tuple[DocumentRecord, StreamedContent]:
        """The record and the bytes of the current or a given version, streamed as they are read from the store;
        `byte_range(size)` picks a range once the version's size is known (its exceptions pass through, nothing
        logged). One authorising query; the read is in the access log before this returns.

        Every byte of the object is hashed on the way and the last piece is released only after the SHA-256
        matched: on a mismatch iteration raises IntegrityError (alerted, and logged as `integrity_error`) and the
        consumer never reaches a clean end (`docs/vault.md`).
        """
        with self.read_engine.connect() as connection:  # one Core statement: no ORM, no write lock
            try:
                row = readable_content_row(connection, doc_id, actor, version)
            except NotFound as error:
                raise self._refusal(doc_id, actor, error) from None
        record, number = document_record(row), row.version_number
        key, version_id, sha256, size = (
            row.version_object_key,
            row.version_object_version_id,
            row.version_sha256,
            row.version_size,
        )
        block_size, digests = row.version_block_size, row.version_block_digests
        blocks = BlockDigests(block_size, digests) if block_size and digests else None
        wanted = byte_range(size)
        self.access_log.append([Link(actor, "read", doc_id, detail=f"v{number}")])
        mismatch = partial(self.access_log.append, [Link(actor, "integrity_error", doc_id, detail=f"v{number}")])
        return record, self.store.stream(key, version_id, sha256, size, wanted, on_mismatch=mismatch, blocks=blocks)

    def list_owner_documents(
        self,
        owner_id: str,
        actor: Actor,
        filters: DocumentFilters | None = None,
        page: Page | None = None,
    ) -> list[DocumentRecord]:
        """One owner's vault, newest first: only the owner or an admin lists it, and the listing is logged."""
        owner_id = check_owner_id(owner_id)
        filters = filters or DocumentFilters()
        page = page or Page()
        if not owner_or_admin(actor, owner_id):
            raise Forbidden("only the owner lists their vault")
        with self.sessions.begin() as session:
            record_access(session, actor, "list", detail="owner vault")
        with self.reader() as session:
            query = select(Document).join(Owner, Owner.id == Document.owner_pk).where(Owner.owner_id == owner_id)
            if filters.kind:
                query = query.where(Document.kind == str(filters.kind))
            if filters.type_code:
                query = query.where(Document.type_code == filters.type_code)
            if filters.status and filters.status is not DocumentStatus.EXPIRED:
                query = query.where(Document.status == str(filters.status))
            query = query.order_by(Document.created_at.desc(), Document.id).offset(page.offset).limit(page.limit)
            records = [document_record(d) for d in session.execute(query).scalars()]
        if filters.status:
            records = [r for r in records if r.status is filters.status]
        return records

    def granted_documents(
        self, owner_id: str, actor: Actor, wanted: Callable[[DocumentRecord], bool] | None = None
    ) -> list[DocumentRecord]:
        """The owner's papers an active grant to the actor's agency (or the portal) covers for its purpose, newest
        first, kept when `wanted`; fetched and authorised in one query, every one returned logged as a read.
        GrantLapsed when none is listed because every grant of this purpose was revoked or ran out."""
        with self.reader() as session:
            records = [document_record(d) for d in granted_documents(session, owner_id, actor)]
            lapsed = None if records else lapsed_for_owner(session, owner_id, actor)
        if lapsed is not None:  # every grant of this purpose revoked or run out: a 403 that says so
            raise lapsed
        kept = [r for r in records if wanted is None or wanted(r)]
        self.access_log.append([Link(actor, "view", r.id) for r in kept])
        return kept

    def search(self, query: str, actor: Actor, limit: int = 20) -> list[SearchHit]:
        """Ranked full-text hits among the documents the actor may read; each hit returned is logged."""
        with self.sessions.begin() as session:
            catch_up(session)
        with self.sessions.begin() as session:
            return search(session, query, actor, limit)
