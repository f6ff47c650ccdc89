"""Batch upload for scanning stations: `POST /api/v1/batches`, status, and server-sent progress events.

Uploads are spooled to disk part by part (never the whole batch in memory) and copied into the batch's staging
folder with size limits; the intake checks everything before anything is stored.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from api.auth import require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Services, services
from api.uploads import BatchAccepted, save_upload, staging_or_nothing
from core.files import private_folder
from core.logging import get_logger
from core.types import Actor, Role
from ingest import batches
from ingest.intake import BatchRefused, accept_batch, new_batch_id
from ingest.manifest import Manifest
from ingest.scanned_again import Choice, ChoiceRefused
from ingest.sniff import sniff_file
from ingest.ziparchive import UnsafeArchive, ZipLimits, extract_zip

log = get_logger("sohoa.api.batches")
router = APIRouter(prefix="/api/v1/batches", tags=["batches"], responses=PROBLEM_RESPONSES)

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _parse_manifest(text: str) -> Manifest:
    try:
        return Manifest.model_validate_json(text)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]) or "manifest", "message": err["msg"]} for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise Problem(422, f"manifest: {detail}", errors=errors) from exc


async def _stage(
    svc: Services, staging: Path, manifest_text: str | None, uploads: list[UploadFile]
) -> tuple[Manifest, list[Path]]:
    limits = svc.ingest
    pages_dir = staging / "pages"
    private_folder(pages_dir)
    budget = [limits.max_upload_bytes]
    saved = []
    for number, upload in enumerate(uploads, start=1):
        name = _SAFE_NAME.sub("_", Path(upload.filename or "page").name)[-80:]
        saved.append(await save_upload(upload, pages_dir / f"{number:04d}-{name}", limits.max_file_bytes, budget))
    if manifest_text is None:
        if len(saved) != 1 or sniff_file(saved[0]) != "application/zip":
            raise BatchRefused(
                422, "send a `manifest` part with the files, or one zip holding manifest.json", "manifest"
            )
        unpacked = staging / "zip"
        private_folder(unpacked)
        zip_limits = ZipLimits(
            max_entries=limits.max_pages + 1,
            max_total_bytes=limits.max_upload_bytes,
            max_entry_bytes=limits.max_file_bytes,
            max_ratio=limits.max_zip_ratio,
        )
        try:
            entries = await run_in_threadpool(extract_zip, saved[0], unpacked, zip_limits)
        except UnsafeArchive as exc:
            raise BatchRefused(422, str(exc), "files") from exc
        saved[0].unlink()
        manifests = [path for path in entries if path.name == "manifest.json"]
        if not manifests:
            raise BatchRefused(422, "the zip holds no manifest.json", "manifest")
        manifest_text = manifests[0].read_text(encoding="utf-8", errors="replace")
        saved = [path for path in entries if path.name != "manifest.json"]
    return _parse_manifest(manifest_text), saved


@router.post(
    "",
    status_code=202,
    response_model=BatchAccepted,
    summary="Upload a scanned batch (multipart: manifest + files in page order, or one zip)",
    openapi_extra={"x-manifest-schema": Manifest.model_json_schema()},
)
async def upload_batch(
    files: Annotated[list[UploadFile], File(description="Page files in order (JPEG, PNG, TIFF, PDF), or one zip")],
    actor: Annotated[Actor, Depends(require_roles(Role.STATION))],
    svc: Annotated[Services, Depends(services)],
    manifest: Annotated[
        str | None, Form(description="JSON manifest (schema: x-manifest-schema); omit when sending a zip")
    ] = None,
) -> BatchAccepted:
    batch_id = new_batch_id()
    staging = svc.staging_root / batch_id
    with staging_or_nothing(staging, "batch"):
        parsed, paths = await _stage(svc, staging, manifest, files)
        accepted = await run_in_threadpool(
            accept_batch,
            batch_id=batch_id,
            staging=staging,
            files=paths,
            manifest=parsed,
            actor=actor,
            limits=svc.ingest,
            ocr=svc.ocr,
            open_dossier=svc.open_dossier,
            record=svc.record_batch,
            enqueue=svc.enqueue_document,
            forget=svc.forget_batch,
            area=svc.staging(),
        )
    log.info("batch accepted", batch=accepted.batch_id, documents=accepted.documents, pages=accepted.pages)
    return BatchAccepted(batch_id=accepted.batch_id, dossier_code=accepted.dossier_code)


def _visible_batch(svc: Services, batch_id: str, actor: Actor) -> batches.BatchView:
    view = svc.visible_batch(batch_id, actor)
    if view is None:
        raise Problem(404, "no such batch")
    return view


@router.get("/{batch_id}", response_model=batches.BatchView, summary="Batch status and its documents")
def get_batch(
    batch_id: str,
    actor: Annotated[Actor, Depends(require_roles(Role.STATION, Role.HANDLER, Role.ADMIN))],
    svc: Annotated[Services, Depends(services)],
) -> batches.BatchView:
    return _visible_batch(svc, batch_id, actor)


class ChoiceIn(BaseModel):
    choice: Choice = Field(description="reuse the stored document, store the scan as its new_version, or new_document")


@router.post(
    "/{batch_id}/documents/{index}/choice",
    response_model=batches.BatchView,
    summary="Choose for a paper scanned again: reuse the stored document, store a new version, or a new document",
)
def choose(
    batch_id: str,
    index: Annotated[int, PathParam(ge=0, description="The document's 0-based place in the batch")],
    body: ChoiceIn,
    actor: Annotated[Actor, Depends(require_roles(Role.STATION))],
    svc: Annotated[Services, Depends(services)],
) -> batches.BatchView:
    try:
        view = svc.choose(batch_id, index, body.choice, actor)
    except ChoiceRefused as exc:
        raise Problem(exc.status, str(exc)) from exc
    log.info("scanned-again choice", batch=batch_id, index=index, choice=str(body.choice))
    return view


def _sse(event: batches.BatchEventView) -> str:
    payload: dict[str, Any] = {"kind": event.kind, "at": event.at.isoformat(), **event.data}
    return f"id: {event.id}\nevent: {event.kind}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


@router.get(
    "/{batch_id}/events",
    summary="Server-sent events of the batch's progress (pages, documents, the batch)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def batch_events(
    batch_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(require_roles(Role.STATION, Role.HANDLER, Role.ADMIN))],
    svc: Annotated[Services, Depends(services)],
    last_event_id: Annotated[int, Header(ge=0)] = 0,
) -> StreamingResponse:
    await run_in_threadpool(_visible_batch, svc, batch_id, actor)

    async def stream() -> AsyncIterator[str]:
        after = last_event_id
        while not await request.is_disconnected():
            events, finished = await run_in_threadpool(svc.batch_events, batch_id, after)
            for event in events:
                after = event.id
                yield _sse(event)
            if finished and not events:
                return
            yield ": keep-alive\n\n" if not events else ""
            await asyncio.sleep(svc.event_poll_seconds)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
