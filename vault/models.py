"""The catalogue's tables as SQLAlchemy 2 typed models: owners, documents and their versions, dossiers,
links, grants, the hash-chained access log, dossier-code sequences and write intents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stored as naive UTC on every backend, returned aware (UTC), so hashes and comparisons agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalogue; use timezone-aware UTC")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None else None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    # JSON columns are JSONB on PostgreSQL (indexable for the later full-text search), JSON text elsewhere.
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql"),
    }


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(16), unique=True)  # personal ID or tax code
    partition: Mapped[str] = mapped_column(String(32), unique=True)  # keyed hash used in object keys
    kind: Mapped[str] = mapped_column(String(16))  # person | organisation
    display_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_owner_created", "owner_pk", "created_at"),
        Index("ix_documents_owner_type", "owner_pk", "type_code"),
        Index("ix_documents_current_version", "current_version"),  # the long-term job's newer versions
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_pk: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    type_code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(500))
    number_symbol: Mapped[str | None] = mapped_column(String(100))
    issuing_agency_code: Mapped[str | None] = mapped_column(String(35))
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    validity_scope: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    result_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    source_dossier_code: Mapped[str | None] = mapped_column(String(50), index=True)
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    digitised_by: Mapped[str | None] = mapped_column(String(255))
    digitised_at: Mapped[dt.datetime | None] = mapped_column()
    page_count: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    signature_verdict: Mapped[str | None] = mapped_column(String(20))
    ocr_text: Mapped[str | None] = mapped_column(Text)
    extracted_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the current version's perceptual hash per page (`ocr.prints`): a paper scanned again is recognised
    page_prints: Mapped[list[Any] | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    status: Mapped[str] = mapped_column(String(20), default="valid")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[str | None] = mapped_column(String(32))
    superseded_by_id: Mapped[str | None] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[Owner] = relationship(lazy="joined")


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        Index("ix_document_versions_signature_level", "signature_level"),  # the versions at B-B, for the count
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(Integer)
    object_key: Mapped[str] = mapped_column(String(200), index=True)
    object_version_id: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    # SHA-256 of each block_size-byte block, concatenated (vault/store/blocks.py): a byte range reads and checks
    # only its blocks. NULL on versions stored before: their ranges read and hash the whole object.
    block_size: Mapped[int | None] = mapped_column(Integer)
    block_digests: Mapped[bytes | None] = mapped_column(LargeBinary)
    page_count: Mapped[int | None] = mapped_column(Integer)
    # the PAdES level our signer reached for this version (B-B when the TSA was down and the fallback allowed), as
    # the writer was told it, or for a signed PDF stored as received the lowest its validation found; NULL when
    # neither is known (a received signature that is not PAdES) or stored before
    signature_level: Mapped[str | None] = mapped_column(String(8))
    retain_until: Mapped[dt.datetime | None] = mapped_column()
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[dt.datetime | None] = mapped_column()


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_received_at", "received_at"),
        Index("ix_dossiers_agency_received", "agency_code", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    procedure_code: Mapped[str] = mapped_column(String(64))
    owner_pk: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(30), default="received")
    department: Mapped[str | None] = mapped_column(String(255))  # the department handling it
    due_at: Mapped[dt.datetime | None] = mapped_column()  # a deadline reset or moved; None: from received_at
    channel: Mapped[str] = mapped_column(String(20), default="scan")  # scan | counter | online

    owner: Mapped[Owner] = relationship(lazy="joined")


class DossierEvent(Base):
    """One step of a dossier's life: who moved it from which state to which, when, and what was said."""

    __tablename__ = "dossier_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_subject: Mapped[str] = mapped_column(String(255))
    actor_role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime | None] = mapped_column()
    notice_document_id: Mapped[str | None] = mapped_column(String(32))


class ConsentRequest(Base):
    """A counter's request to reuse a citizen's vault papers, confirmed by the one-time code shown to the citizen."""

    __tablename__ = "consent_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_pk: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    procedure_code: Mapped[str] = mapped_column(String(64))
    document_ids: Mapped[list[Any]] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(6))  # shown to the owner alone, 15 minutes, 5 tries
    requested_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column()
    dossier_code: Mapped[str | None] = mapped_column(String(50))


class DossierDocument(Base):
    __tablename__ = "dossier_documents"
    __table_args__ = (UniqueConstraint("dossier_id", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    component_name: Mapped[str | None] = mapped_column(String(500))
    reused: Mapped[bool] = mapped_column(Boolean, default=False)
    attached_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attached_by: Mapped[str | None] = mapped_column(String(255))


class Grant(Base):
    __tablename__ = "grants"
    __table_args__ = (Index("ix_grants_owner_grantee", "owner_pk", "grantee", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_pk: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    grantee: Mapped[str] = mapped_column(String(35))  # an agency code, or "portal"
    document_id: Mapped[str | None] = mapped_column(String(32))
    type_code: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(500))
    valid_until: Mapped[dt.datetime] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255))
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class AccessLog(Base):
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[dt.datetime] = mapped_column()
    subject: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    agency_code: Mapped[str | None] = mapped_column(String(35))
    purpose: Mapped[str | None] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[str | None] = mapped_column(String(32), index=True)
    dossier_code: Mapped[str | None] = mapped_column(String(50))
    detail: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last link (one row), locked by each writer so appends are serialised on every backend."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class DossierSequence(Base):
    __tablename__ = "dossier_sequences"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class PendingWrite(Base):
    """Intent of an object write, committed before the object is put; completed or rolled back by fsck."""

    __tablename__ = "pending_writes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    object_version_id: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column()
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """One message for the portal: its id (the receiver's deduplication key), topic, ordering stream (a dossier,
    or a document outside any dossier), body, and its delivery state (pending, delivered, dead)."""

    __tablename__ = "portal_outbox"
    __table_args__ = (Index("ix_portal_outbox_status_stream", "status", "stream"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    topic: Mapped[str] = mapped_column(String(40))
    stream: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[dt.datetime | None] = mapped_column()
