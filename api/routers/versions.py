"""A new version of a stored document with one page rescanned: `POST /api/v1/documents/{id}/versions` (a
station of the agency whose dossier holds it). The pipeline re-runs OCR, PDF/A and signing; the vault keeps the
old version write-once and makes the new one current. Progress is the batch's, as for an upload.
"""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool

from api.auth import Purposeful, require_roles
from api.problems import PROBLEM_RESPONSES
from api.services import Services, services
from api.uploads import BatchAccepted, save_upload, staging_or_nothing
from core.files import open_new_private, private_folder
from core.types import Actor, Role
from ingest.intake import AcceptedBatch, new_batch_id
from ingest.rescan import Replacement, accept_page_replacement
from vault.records import VersionRecord

router = APIRouter(prefix="/api/v1/documents", tags=["documents"], responses=PROBLEM_RESPONSES)


def _replacement(svc: Services, document_id: str, page: int, actor: Actor) -> Replacement:
    record = svc.vault.document_to_version(document_id, actor)
    return Replacement(
        document_id=record.id,
        name=record.name,
        type_code=record.type_code,
        kind=record.kind,
        owner_id=record.owner_id,
        dossier_code=record.source_dossier_code,
        procedure_code=record.procedure_code,
        page=page,
    )


def _stage_and_accept(svc: Services, batch_id: str, replacement: Replacement, actor: Actor) -> AcceptedBatch:
    staging = svc.staging_root / batch_id
    current = staging / "pages" / "0001-current.pdf"
    with svc.vault.open_content(replacement.document_id, actor) as content, open_new_private(current) as sink:
        shutil.copyfileobj(content, sink)  # an authorised read, logged
    return accept_page_replacement(
        batch_id=batch_id,
        staging=staging,
        current=current,
        scan=staging / "pages" / "0002-scan",
        replacement=replacement,
        actor=actor,
        limits=svc.ingest,
        ocr=svc.ocr,
        record=svc.record_batch,
        enqueue=svc.enqueue_document,
        forget=svc.forget_batch,
    )


@router.post(
    "/{document_id}/versions",
    status_code=202,
    response_model=BatchAccepted,
    summary="Rescan one page: a new version of the document (multipart: page number + the new scan)",
)
async def replace_page(
    document_id: str,
    page: Annotated[int, Form(ge=1, le=10_000, description="The 1-based number of the page to replace")],
    file: Annotated[UploadFile, File(description="The new scan of that page (JPEG, PNG, TIFF or PDF, one page)")],
    actor: Annotated[Actor, Depends(require_roles(Role.STATION))],
    svc: Annotated[Services, Depends(services)],
) -> BatchAccepted:
    replacement = await run_in_threadpool(_replacement, svc, document_id, page, actor)
    batch_id = new_batch_id()
    staging = svc.staging_root / batch_id
    with staging_or_nothing(staging, "page"):
        private_folder(staging / "pages")
        await save_upload(file, staging / "pages" / "0002-scan", svc.ingest.max_file_bytes, [svc.ingest.max_file_bytes])
        accepted = await run_in_threadpool(_stage_and_accept, svc, batch_id, replacement, actor)
    return BatchAccepted(batch_id=accepted.batch_id, dossier_code=accepted.dossier_code)


@router.get("/{document_id}/versions", response_model=list[VersionRecord], summary="The stored versions, oldest first")
def list_versions(
    document_id: str,
    actor: Purposeful,
    svc: Annotated[Services, Depends(services)],
) -> list[VersionRecord]:
    return svc.vault.document_versions(document_id, actor)
