"""Batch bookkeeping: create a batch and its planned documents, update them, derive the batch status, and
record the progress events that the API streams to stations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.timezone import VN_TZ, to_vn
from ingest.models import Batch, BatchDocument, BatchEvent, SignatureRequest
from vault.rescans import StoredMatch


class DocState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    # prepared for the officer's own token (split signing): not stored until their signature comes back
    AWAITING_SIGNATURE = "awaiting_signature"
    # a paper the owner's vault holds already (`ingest.scanned_again`): not stored until the station chooses
    AWAITING_CHOICE = "awaiting_choice"
    DONE = "done"
    FAILED = "failed"


class BatchState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    AWAITING_SIGNATURE = "awaiting_signature"  # nothing else to do but documents wait for their officer's token
    AWAITING_CHOICE = "awaiting_choice"  # nothing else to do but documents scanned again wait for the station
    DONE = "done"
    NEEDS_RESCAN = "needs_rescan"
    FAILED = "failed"


@dataclass(frozen=True)
class PlannedDocument:
    """One document of a batch as the split decided: its metadata and 0-based indices into the batch pages."""

    name: str
    type_code: str | None
    kind: str
    pages: list[int]
    new_version_of: str | None = None  # the stored document this one becomes the next version of


@dataclass(frozen=True)
class NewBatch:
    id: str
    station_id: str
    agency_code: str
    procedure_code: str
    dossier_code: str
    owner_id: str
    submitted_by: str
    page_count: int
    staging_dir: str
    documents: list[PlannedDocument] = field(default_factory=list)
    drop_blank: bool = False
    submitter_name: str | None = None


class RescanRequest(BaseModel):
    page: int
    reason: str


SETTLED = (BatchState.AWAITING_SIGNATURE, BatchState.AWAITING_CHOICE)  # nothing runs: the batch waits for people
WAITS_FOR = {
    BatchState.AWAITING_SIGNATURE: DocState.AWAITING_SIGNATURE,
    BatchState.AWAITING_CHOICE: DocState.AWAITING_CHOICE,
}
WAITING_NOTES = {  # why a document stays `running`
    "trust_service": "đang chờ dịch vụ cấp dấu thời gian",
    "retry": "chờ thử lại sau lỗi tạm thời",
    "disk_full": "ổ đĩa của worker đầy, chờ thử lại",
}


class ScannedBefore(StoredMatch):
    """The stored document of the same owner that a document of the batch matched, and what the station reads."""

    hint: str = ""  # Vietnamese: in the vault already, which one, the three choices


class BatchDocumentView(BaseModel):
    index: int
    id: str | None
    status: DocState
    step: str | None
    name: str
    type_code: str | None
    kind: str
    pages: int
    signature: str | None
    rescan: list[RescanRequest]
    error: str | None
    waiting: str | None = None  # what a running document waits for (`trust_service`, `retry`)
    note: str | None = None  # that, in words (Vietnamese; the web translates)
    signature_request: str | None = None  # the id of its newest split-signing request, if any
    new_version_of: str | None = None
    replaced_by: str | None = None  # a later batch that makes this document's next version (a page rescanned)
    scanned_before: ScannedBefore | None = None  # the stored document this one matched (a paper scanned again)
    choice: str | None = None  # the station's: reuse | new_version | new_document
    choice_until: dt.datetime | None = None  # while awaiting_choice: chosen by then, or the document fails


class BatchView(BaseModel):
    batch_id: str
    dossier_code: str
    status: BatchState
    documents: list[BatchDocumentView]


class BatchEventView(BaseModel):
    id: int
    at: dt.datetime
    kind: str
    data: dict[str, Any]


def create_batch(session: Session, new: NewBatch) -> None:
    """Insert the batch and its documents as queued (the caller commits)."""
    session.add(
        Batch(
            id=new.id,
            station_id=new.station_id,
            agency_code=new.agency_code,
            procedure_code=new.procedure_code,
            dossier_code=new.dossier_code,
            owner_id=new.owner_id,
            submitted_by=new.submitted_by,
            submitter_name=new.submitter_name,
            page_count=new.page_count,
            staging_dir=new.staging_dir,
            drop_blank=new.drop_blank,
        )
    )
    for index, planned in enumerate(new.documents):
        session.add(
            BatchDocument(
                batch_id=new.id,
                index=index,
                name=planned.name,
                type_code=planned.type_code,
                kind=planned.kind,
                pages=planned.pages,
                new_version_of=planned.new_version_of,
                status=DocState.QUEUED,
                rescan=[],
                attempts=0,
            )
        )
    session.add(BatchEvent(batch_id=new.id, kind="batch", data={"status": BatchState.QUEUED.value}))


def delete_batch(session: Session, batch_id: str) -> None:
    """Remove a batch that was never sent to the pipeline (its events, documents and row)."""
    session.execute(delete(BatchEvent).where(BatchEvent.batch_id == batch_id))
    session.execute(delete(BatchDocument).where(BatchDocument.batch_id == batch_id))
    session.execute(delete(Batch).where(Batch.id == batch_id))


def derive_status(states: list[tuple[str, bool]]) -> BatchState:
    """The batch status from its documents' (state, needs rescan) pairs."""
    if not states or all(state == DocState.QUEUED for state, _ in states):
        return BatchState.QUEUED
    if any(state in (DocState.QUEUED, DocState.RUNNING) for state, _ in states):
        return BatchState.RUNNING
    if any(state == DocState.AWAITING_CHOICE for state, _ in states):
        return BatchState.AWAITING_CHOICE
    if any(state == DocState.AWAITING_SIGNATURE for state, _ in states):
        return BatchState.AWAITING_SIGNATURE
    if any(state == DocState.FAILED for state, _ in states):
        return BatchState.FAILED
    if any(rescan for _, rescan in states):
        return BatchState.NEEDS_RESCAN
    return BatchState.DONE


def load_document(session: Session, batch_id: str, index: int) -> BatchDocument:
    row = session.scalars(
        select(BatchDocument).where(BatchDocument.batch_id == batch_id, BatchDocument.index == index)
    ).one()
    return row


def update_document(session: Session, batch_id: str, index: int, **changes: Any) -> BatchState | None:
    """Change one document's row and record a document event; when this change finishes the batch, record a
    batch event and return the batch's final status (None otherwise).

    The batch's row is locked first: two documents finishing at once in two transactions must not each see the
    other still running (on PostgreSQL neither would then finish the batch; SQLite serialises writers anyway)."""
    session.get(Batch, batch_id, with_for_update=True, populate_existing=True)
    row = load_document(session, batch_id, index)
    row.waiting = None  # any other change (a new attempt, the next step) ends a wait
    for name, value in changes.items():
        setattr(row, name, value)
    event = {"index": index, "status": row.status, "step": row.step}
    if row.waiting:
        event |= {"waiting": row.waiting, "note": WAITING_NOTES[row.waiting]}
    if row.document_id:
        event["document_id"] = row.document_id
    if row.error and row.status in (DocState.FAILED, DocState.AWAITING_SIGNATURE):
        event["error"] = row.error
    if row.status == DocState.AWAITING_CHOICE and row.scanned_before:
        event["scanned_before"] = row.scanned_before
        if row.choice_until is not None:
            event["choice_until"] = row.choice_until.isoformat()
    if row.choice:
        event["choice"] = row.choice
    session.add(BatchEvent(batch_id=batch_id, kind="document", data=event))
    session.flush()
    status = batch_status(session, batch_id)
    if status in SETTLED and changes.get("status") == WAITS_FOR[status]:
        # nothing runs any more: the batch waits for officers' tokens (a station following it may stop here)
        session.add(BatchEvent(batch_id=batch_id, kind="batch", data={"status": status.value}))
    if status in (BatchState.DONE, BatchState.NEEDS_RESCAN, BatchState.FAILED):
        batch = session.get(Batch, batch_id)
        if batch is not None and batch.finished_at is None:
            batch.finished_at = dt.datetime.now(dt.UTC)
            session.add(BatchEvent(batch_id=batch_id, kind="batch", data={"status": status.value}))
            return status
    return None


def renew_lease(session: Session, batch_id: str, index: int, owner: str, until: dt.datetime) -> None:
    """Extend the lease while `owner` still holds it (a step's heartbeat); records no event."""
    session.execute(
        update(BatchDocument)
        .where(BatchDocument.batch_id == batch_id, BatchDocument.index == index, BatchDocument.lease_owner == owner)
        .values(lease_until=until)
    )


def abandoned_documents(
    session: Session, now: dt.datetime, holder_is_dead: Callable[[str], bool]
) -> list[tuple[str, int, int, str]]:
    """(batch id, index, page count, lease owner) of each running document whose step's holder is dead: its
    lease lapsed (no heartbeat) or `holder_is_dead` says its process is gone."""
    rows = session.scalars(
        select(BatchDocument).where(
            BatchDocument.status == DocState.RUNNING,
            BatchDocument.lease_owner.is_not(None),
            BatchDocument.lease_until.is_not(None),
        )
    ).all()
    return [
        (row.batch_id, row.index, len(row.pages), row.lease_owner)
        for row in rows
        if row.lease_owner is not None
        and row.lease_until is not None
        and (row.lease_until <= now or holder_is_dead(row.lease_owner))
    ]


def release_lease(session: Session, batch_id: str, index: int, owner: str) -> bool:
    """Clear a dead holder's lease (the document is being sent again); False when `owner` no longer holds it."""
    result = session.execute(
        update(BatchDocument)
        .where(BatchDocument.batch_id == batch_id, BatchDocument.index == index, BatchDocument.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    return bool(getattr(result, "rowcount", 0))


def record_page(session: Session, batch_id: str, index: int, done: int, total: int) -> None:
    session.add(BatchEvent(batch_id=batch_id, kind="page", data={"index": index, "done": done, "total": total}))


def batch_status(session: Session, batch_id: str) -> BatchState:
    rows = session.execute(
        select(BatchDocument.status, BatchDocument.rescan).where(BatchDocument.batch_id == batch_id)
    ).all()
    return derive_status([(state, bool(rescan)) for state, rescan in rows])


def view_batch(session: Session, batch_id: str) -> BatchView | None:
    batch = session.get(Batch, batch_id)
    if batch is None:
        return None
    rows = session.scalars(
        select(BatchDocument).where(BatchDocument.batch_id == batch_id).order_by(BatchDocument.index)
    ).all()
    requests = _newest_requests(session, batch_id)
    replaced = _later_versions(session, batch, [row.document_id for row in rows if row.document_id])
    documents = [
        BatchDocumentView(
            index=row.index,
            id=row.document_id,
            status=DocState(row.status),
            step=row.step,
            name=row.name,
            type_code=row.type_code,
            kind=row.kind,
            pages=len(row.pages),
            signature=row.signature,
            rescan=[RescanRequest(**item) for item in row.rescan],
            error=row.error,
            waiting=row.waiting,
            note=WAITING_NOTES.get(row.waiting or ""),
            signature_request=requests.get(row.index),
            new_version_of=row.new_version_of,
            replaced_by=replaced.get(row.document_id or ""),
            scanned_before=_scanned_before(row.scanned_before),
            choice=row.choice,
            choice_until=row.choice_until if row.status == DocState.AWAITING_CHOICE else None,
        )
        for row in rows
    ]
    status = derive_status([(doc.status, bool(doc.rescan)) for doc in documents])
    return BatchView(batch_id=batch.id, dossier_code=batch.dossier_code, status=status, documents=documents)


def _later_versions(session: Session, batch: Batch, document_ids: list[str]) -> dict[str, str]:
    """The newest later batch that re-versions each of these documents (a page replaced after this batch)."""
    if not document_ids:
        return {}
    rows = session.execute(
        select(BatchDocument.new_version_of, Batch.id)
        .join(Batch, Batch.id == BatchDocument.batch_id)
        .where(BatchDocument.new_version_of.in_(document_ids), Batch.created_at > batch.created_at)
        .order_by(Batch.created_at, Batch.id)
    ).all()
    return {str(document_id): later for document_id, later in rows}


def _scanned_before(data: dict[str, Any] | None) -> ScannedBefore | None:
    if not data:
        return None
    stored = to_vn(dt.datetime.fromisoformat(data["stored_at"]))
    hint = (
        f"Giấy tờ này đã có trong kho dữ liệu của công dân: «{data['name']}», lưu ngày {stored:%d/%m/%Y}. "
        "Chọn: dùng lại giấy tờ đã lưu, lưu bản quét thành phiên bản mới, hoặc lưu thành giấy tờ mới."
    )
    return ScannedBefore(**data, hint=hint)


def _newest_requests(session: Session, batch_id: str) -> dict[int, str]:
    """The newest split-signing request id of each document of the batch that has one."""
    rows = session.execute(
        select(SignatureRequest.index, SignatureRequest.id)
        .where(SignatureRequest.batch_id == batch_id)
        .order_by(SignatureRequest.created_at, SignatureRequest.id)
    ).all()
    return {index: request_id for index, request_id in rows}


def events_after(session: Session, batch_id: str, after: int) -> list[BatchEventView]:
    rows = session.scalars(
        select(BatchEvent).where(BatchEvent.batch_id == batch_id, BatchEvent.id > after).order_by(BatchEvent.id)
    ).all()
    return [BatchEventView(id=row.id, at=row.at, kind=row.kind, data=row.data) for row in rows]


def unfinished_documents(session: Session) -> list[tuple[str, int]]:
    """(batch id, index) of every document not done or failed: re-enqueued when a worker starts."""
    rows = session.execute(
        select(BatchDocument.batch_id, BatchDocument.index).where(
            BatchDocument.status.in_([DocState.QUEUED, DocState.RUNNING])
        )
    ).all()
    return [(batch_id, index) for batch_id, index in rows]


def failed_dossier_codes(session: Session, since: dt.date | None = None) -> frozenset[str]:
    """Dossiers whose latest scan batch (created since that day, Vietnam time) has a failed document: a component
    that never reached the vault, so the dossier is not counted as digitised (docs/vault.md, "Indicators") until a
    new batch of the same dossier ends without failures."""
    latest = select(Batch.dossier_code, func.max(Batch.created_at).label("at")).group_by(Batch.dossier_code)
    if since is not None:
        latest = latest.where(Batch.created_at >= dt.datetime.combine(since, dt.time(), VN_TZ))
    newest = latest.subquery()
    query = (
        select(Batch.dossier_code)
        .join(newest, (newest.c.dossier_code == Batch.dossier_code) & (newest.c.at == Batch.created_at))
        .join(BatchDocument, BatchDocument.batch_id == Batch.id)
        .where(BatchDocument.status == DocState.FAILED)
        .distinct()
    )
    return frozenset(session.scalars(query))


def declared_order(session: Session, dossier_code: str) -> dict[str, tuple[dt.datetime, int]]:
    """Each stored document of a dossier's batches: (batch time, position): the order declared and scanned."""
    rows = session.execute(
        select(BatchDocument.document_id, Batch.created_at, BatchDocument.index)
        .join(Batch, Batch.id == BatchDocument.batch_id)
        .where(Batch.dossier_code == dossier_code, BatchDocument.document_id.is_not(None))
    ).all()
    order: dict[str, tuple[dt.datetime, int]] = {}
    for document_id, created_at, index in sorted(rows, key=lambda row: (row[1], row[2]), reverse=True):
        order[str(document_id)] = (created_at, index)  # in two batches (a page replaced): where it came first
    return order
