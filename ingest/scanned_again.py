"""A paper scanned again (issue #18): after OCR, a document whose pages and text match a usable document already in
the same owner's vault waits (`awaiting_choice`) naming it, until the station chooses: reuse the stored document
(a link in the dossier, nothing stored), store the scan as its next version, or store it as a new document.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.logging import get_logger
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

    def __init__(self, match: StoredMatch) -> None:
        super().__init__(f"scanned again: document {match.id}")
        self.match = match

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
                lease_owner=None,
                lease_until=None,
            )
        log.info("document scanned again; awaiting the station's choice", batch=batch_id, index=index)


def check(job: DocumentJob, summary: OcrSummary, vault: Vault, sessions: sessionmaker[Session]) -> None:
    """AwaitingChoice when the OCR'd document is a usable document of the same owner's vault scanned again (a page
    replaced on purpose, a certified copy, or a document whose choice is made is not checked)."""
    if job.new_version_of is not None or job.kind is DocumentKind.CERTIFIED_COPY:
        return
    with sessions() as session:
        if batches.load_document(session, job.batch_id, job.index).choice is not None:
            return
    paper = ScannedPaper(summary.page_prints, summary.text, summary.fields)
    match = vault.find_scanned_again(job.owner_id, paper, intake_actor(job), skip_key=f"batch:{job.batch_id}:")
    if match is not None:
        raise AwaitingChoice(match)


def waiting_document(session: Session, batch_id: str, index: int) -> tuple[Batch, BatchDocument]:
    """The batch (its row locked) and its document awaiting the station's choice; ChoiceRefused otherwise."""
    batch = session.get(Batch, batch_id, with_for_update=True, populate_existing=True)
    query = select(BatchDocument).where(BatchDocument.batch_id == batch_id, BatchDocument.index == index)
    row = session.scalars(query).one_or_none() if batch is not None else None
    if batch is None or row is None:
        raise ChoiceRefused(404, "no such document in this batch")
    if row.status != batches.DocState.AWAITING_CHOICE or not row.scanned_before:
        raise ChoiceRefused(409, f"the document is not waiting for a choice: it is {row.status}")
    return batch, row


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
            document_id=stored_id,
        )
    changes: dict[str, Any] = {"status": batches.DocState.QUEUED, "step": "sign", "choice": str(choice)}
    if choice is Choice.NEW_VERSION:
        changes["new_version_of"] = stored_id
    return batches.update_document(session, batch_id, index, **changes)
