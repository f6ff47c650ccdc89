"""The pipeline's own tables, beside the vault catalogue in the same database: batches, their documents and
progress events. The vault owns documents once stored; these rows only track intake work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vault.models import UTCDateTime, utcnow


class IngestBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Batch(IngestBase):
    __tablename__ = "ingest_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64))
    agency_code: Mapped[str] = mapped_column(String(35), index=True)
    procedure_code: Mapped[str] = mapped_column(String(64))
    dossier_code: Mapped[str] = mapped_column(String(50), index=True)
    owner_id: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[str] = mapped_column(String(255))
    submitter_name: Mapped[str | None] = mapped_column(String(255))  # the token's `name`: the officer's cert CN
    page_count: Mapped[int] = mapped_column(Integer)
    staging_dir: Mapped[str] = mapped_column(Text)
    drop_blank: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # the manifest's
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class BatchDocument(IngestBase):
    __tablename__ = "ingest_batch_documents"
    __table_args__ = (UniqueConstraint("batch_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)  # 0-based position in the batch
    name: Mapped[str] = mapped_column(String(500))
    type_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    pages: Mapped[list[Any]] = mapped_column()  # 0-based indices into the batch's page files
    new_version_of: Mapped[str | None] = mapped_column(String(32))  # a stored document this batch re-versions
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|awaiting_*|done|failed
    step: Mapped[str | None] = mapped_column(String(20))  # ocr|sign|store
    waiting: Mapped[str | None] = mapped_column(String(20))  # trust_service: retried until the TSA/OCSP is back
    document_id: Mapped[str | None] = mapped_column(String(32))
    signature: Mapped[str | None] = mapped_column(String(20))
    rescan: Mapped[list[Any]] = mapped_column(default=list)  # [{"page", "reason"}]
    error: Mapped[str | None] = mapped_column(Text)
    # a paper scanned again: the stored document it matched ({id, type_code, name, stored_at}) and the choice made
    scanned_before: Mapped[dict[str, Any] | None] = mapped_column()
    choice: Mapped[str | None] = mapped_column(String(20))  # reuse | new_version | new_document
    choice_until: Mapped[dt.datetime | None] = mapped_column()  # awaiting_choice until then, then failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[dt.datetime | None] = mapped_column()  # a task holds this document until then
    lease_owner: Mapped[str | None] = mapped_column(String(64))  # the Celery task id holding the lease
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BatchEvent(IngestBase):
    __tablename__ = "ingest_batch_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))  # page|document|batch
    data: Mapped[dict[str, Any]] = mapped_column()


class SignatureRequest(IngestBase):
    """A document waiting for its officer's own token (split signing): what the agent signs, until when, and
    what became of it; `pending` holds the prepared PDF and its placeholder (`PendingSignature.to_json`)."""

    __tablename__ = "ingest_signature_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    officer_sub: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(20))  # pending|submitted|signed|rejected|expired|renewed
    level: Mapped[str] = mapped_column(String(10))
    document_sha256: Mapped[str] = mapped_column(String(64))
    to_be_signed: Mapped[bytes] = mapped_column(LargeBinary)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    pending: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only by the continuation
    signature_value: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    decided_at: Mapped[dt.datetime | None] = mapped_column()
