"""A paper scanned again (issue #18): after OCR, a document whose pages and text match a usable document already in
the same owner's vault waits (`awaiting_choice`) naming it, until the station chooses: reuse the stored document
(a link in the dossier, nothing stored), store the scan as its next version, or store it as a new document; or until
its wait (`SOHOA_INGEST_CHOICE_TTL_SECONDS`) runs out: then it fails with its reason, the stored paper untouched.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.logging import get_logger
from core.timezone import to_vn
from core.types import DocumentKind
from ingest import batches
from ingest.awaiting import Waiting
from ingest.models import Batch, BatchDocument
from ingest.pipeline import DocumentJob, OcrSummary, intake_actor
from vault.rescans import ScannedPaper, StoredMatch
from vault.service import Vault

log = get_logger("sohoa.pipeline")


class Choice(StrEnum):
    REUSE = "reuse"  # link the stored document into the dossier; nothing new is stored
    NEW_VERSION = "new_version"  # store the scan as the stored document's next version
    NEW_DOCUMENT = "new_document"  # store the scan as a document of its own, as if nothing matched


class ChoiceRefused(Exception):
    """The choice cannot be made: `status` is the HTTP status (404 no such document, 409 not waiting)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class AwaitingChoice(Waiting):
    """The document is a paper the owner's vault holds already (`match`): it waits for the station's choice."""

    def __init__(self, match: StoredMatch, until: dt.datetime) -> None:
        super().__init__(f"scanned again: document {match.id}")
        self.match, self.until = match, until

    def record(self, sessions: sessionmaker[Session], batch_id: str, index: int) -> None:
        scanned_before = self.match.model_dump(mode="json")
        with sessions.begin() as session:
            batches.update_document(
                session,
                batch_id,
                index,
                status=batches.DocState.AWAITING_CHOICE,
                step="ocr",
                scanned_before=scanned_before,
                choice_until=self.until,
                lease_owner=None,
                lease_until=None,
            )
        log.info("document scanned again; awaiting the station's choice", batch=batch_id, index=index)


def check(
    job: DocumentJob, summary: OcrSummary, vault: Vault, sessions: sessionmaker[Session], wait: dt.timedelta
) -> None:
    """AwaitingChoice (for `wait` from now) when the OCR'd document is a usable document of the same owner's vault
    scanned again (a page replaced on purpose, a certified copy, or a document whose choice is made is not checked)."""
    if job.new_version_of is not None or job.kind is DocumentKind.CERTIFIED_COPY:
        return
    with sessions() as session:
        if batches.load_document(session, job.batch_id, job.index).choice is not None:
            return
    paper = ScannedPaper(summary.page_prints, summary.text, summary.fields)
    match = vault.find_scanned_again(job.owner_id, paper, intake_actor(job), skip_key=f"batch:{job.batch_id}:")
    if match is not None:
        raise AwaitingChoice(match, dt.datetime.now(dt.UTC) + wait)


def waiting_document(session: Session, batch_id: str, index: int) -> tuple[Batch, BatchDocument]:
    """The batch (its row locked) and its document awaiting the station's choice, its wait not run out;
    ChoiceRefused otherwise."""
    batch, row = _locked_waiting(session, batch_id, index)
    if row.choice_until is not None and row.choice_until <= dt.datetime.now(dt.UTC):
        raise ChoiceRefused(409, f"the time to choose ran out at {row.choice_until:%Y-%m-%d %H:%M} UTC")
    return batch, row


def _locked_waiting(session: Session, batch_id: str, index: int) -> tuple[Batch, BatchDocument]:
    batch = session.get(Batch, batch_id, with_for_update=True, populate_existing=True)
    query = select(BatchDocument).where(BatchDocument.batch_id == batch_id, BatchDocument.index == index)
    row = session.scalars(query.execution_options(populate_existing=True)).one_or_none() if batch else None
    if batch is None or row is None:
        raise ChoiceRefused(404, "no such document in this batch")
    if row.status != batches.DocState.AWAITING_CHOICE or not row.scanned_before:
        raise ChoiceRefused(409, f"the document is not waiting for a choice: it is {row.status}")
    return batch, row


def expired_reason(row: BatchDocument) -> str:
    """What a document whose choice was never made shows (Vietnamese): nothing stored, the stored paper kept."""
    until = f" lúc {to_vn(row.choice_until):%H:%M %d/%m/%Y}" if row.choice_until is not None else ""
    name = (row.scanned_before or {}).get("name", "")
    return (
        f"Hết hạn chọn{until}: bản quét không được lưu, giấy tờ đã lưu «{name}» giữ nguyên — "
        "quét lại và tải lên nếu vẫn cần"
    )


def expire_due(session: Session, now: dt.datetime | None = None) -> list[tuple[str, int, batches.BatchState | None]]:
    """Documents whose choice was not made in time fail with `expired_reason` (the batch row locked, the state
    checked again: a choice made meanwhile wins); (batch id, index, the batch's final status if this ended it)."""
    now = now or dt.datetime.now(dt.UTC)
    due = session.execute(
        select(BatchDocument.batch_id, BatchDocument.index).where(
            BatchDocument.status == batches.DocState.AWAITING_CHOICE, BatchDocument.choice_until <= now
        )
    ).all()
    expired = []
    for batch_id, index in due:
        try:
            _, row = _locked_waiting(session, batch_id, index)
        except ChoiceRefused:
            continue
        reason = expired_reason(row)
        status = batches.update_document(session, batch_id, index, status=batches.DocState.FAILED, error=reason)
        expired.append((batch_id, index, status))
    return expired


def record_choice(session: Session, batch_id: str, index: int, choice: Choice) -> batches.BatchState | None:
    """The choice made (the caller checked the document waits, in this transaction): reused, the document is done
    with the stored document's id; otherwise it is queued again for sign and store (`resume_signing`). Returns the
    batch's final status when this finished it."""
    _, row = waiting_document(session, batch_id, index)  # again, under the batch's lock: one choice wins
    stored_id = str(row.scanned_before["id"]) if row.scanned_before else None
    if choice is Choice.REUSE:
        return batches.update_document(
            session,
            batch_id,
            index,
            status=batches.DocState.DONE,
            step="store",
            choice=str(choice),
            choice_until=None,
            document_id=stored_id,
        )
    changes: dict[str, Any] = {
        "status": batches.DocState.QUEUED,
        "step": "sign",
        "choice": str(choice),
        "choice_until": None,
    }
    if choice is Choice.NEW_VERSION:
        changes["new_version_of"] = stored_id
    return batches.update_document(session, batch_id, index, **changes)
