"""Documents for case handlers, citizens and admins: metadata, signed content (streamed, HTTP Range,
`Repr-Digest`), OCR text, extracted fields and the signature validation report. Every read is authorised by the
vault and recorded in its access log; a document the caller may not read is a 404.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import StreamingResponse

from api.auth import current_actor, require_purpose
from api.problems import PROBLEM_RESPONSES, Problem
from api.schemas import DocumentOut, FieldsOut, TextOut, document_out
from api.services import Services, services
from core.types import Actor
from vault.records import DocumentRecord
from vault.store.base import ByteRange

router = APIRouter(prefix="/api/v1", tags=["documents"], responses=PROBLEM_RESPONSES)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def read_allowed(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """Any authenticated caller; handlers and the portal must state a purpose."""
    require_purpose(actor)
    return actor


Reader = Annotated[Actor, Depends(read_allowed)]
Svc = Annotated[Services, Depends(services)]


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; 416 when it cannot be satisfied."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        raise Problem(
            416, "only one byte range of the form bytes=a-b is supported", headers={"Content-Range": f"bytes */{size}"}
        )
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if size == 0 or start >= size or start > end:
        raise Problem(416, "the range is outside the document", headers={"Content-Range": f"bytes */{size}"})
    return (start, end)


def repr_digest(sha256_hex: str) -> str:
    """RFC 9530 `Repr-Digest` of the whole representation."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256_hex)).decode()}:"


def content_response(
    svc: Services, record: DocumentRecord, actor: Actor, range_header: str | None
) -> StreamingResponse:
    byte_range = parse_range(range_header, record.size)
    content = svc.vault.open_content(record.id, actor, byte_range)

    def body() -> Iterator[bytes]:
        try:
            yield from content
        finally:
            content.close()

    headers = {
        "Accept-Ranges": "bytes",
        "Repr-Digest": repr_digest(record.sha256),
        "Content-Length": str(content.length),
        "Content-Disposition": f'inline; filename="{record.result_code or record.id}.pdf"',
        "Cache-Control": "private, no-store",
        "ETag": f'"{record.sha256}"',
    }
    status = 200
    if byte_range is not None:
        status = 206
        headers["Content-Range"] = f"bytes {content.start}-{content.end}/{content.total_size}"
    return StreamingResponse(body(), status_code=status, media_type="application/pdf", headers=headers)


PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The signed PDF/A"},
    206: {"content": {"application/pdf": {}}, "description": "A byte range of it"},
    416: PROBLEM_RESPONSES[404],
}


@router.get("/documents/{document_id}", response_model=DocumentOut, summary="A document's catalogue record")
def get_document(document_id: str, actor: Reader, svc: Svc) -> DocumentOut:
    return document_out(svc.vault.get_document(document_id, actor))


@router.get(
    "/d/{agency_code}/{type_code}/{document_id}",
    response_model=DocumentOut,
    summary="Resolve a document's stable URI (issuing agency, document type, id)",
)
def resolve_uri(agency_code: str, type_code: str, document_id: str, actor: Reader, svc: Svc) -> DocumentOut:
    record = svc.vault.get_document(document_id, actor)
    if (record.issuing_agency_code or "-", record.type_code or "-") != (agency_code, type_code):
        raise Problem(404, "no such document")
    return document_out(record)


@router.get(
    "/documents/{document_id}/content",
    response_class=StreamingResponse,
    responses=PDF_RESPONSES,
    summary="The signed PDF, streamed; supports HTTP Range; carries Repr-Digest (RFC 9530)",
)
def get_content(
    document_id: str, actor: Reader, svc: Svc, range_: Annotated[str | None, Header(alias="Range")] = None
) -> StreamingResponse:
    record = svc.vault.get_document(document_id, actor, log_read=False)
    return content_response(svc, record, actor, range_)


@router.get("/documents/{document_id}/text", response_model=TextOut, summary="The OCR text")
def get_text(document_id: str, actor: Reader, svc: Svc) -> TextOut:
    record = svc.vault.get_document(document_id, actor)
    return TextOut(id=record.id, text=record.ocr_text or "")


@router.get("/documents/{document_id}/fields", response_model=FieldsOut, summary="Fields extracted from the text")
def get_fields(document_id: str, actor: Reader, svc: Svc) -> FieldsOut:
    record = svc.vault.get_document(document_id, actor)
    return FieldsOut(id=record.id, fields=record.extracted_fields)


@router.get(
    "/documents/{document_id}/validation",
    summary="Validate the document's signatures now (ETSI EN 319 102-1 verdicts)",
)
def get_validation(document_id: str, actor: Reader, svc: Svc) -> dict[str, Any]:
    from signing.summary import report_json
    from signing.validate import validate_pdf

    with svc.vault.open_content(document_id, actor) as content:
        data = content.read()
    result = report_json(validate_pdf(data))  # CPU-bound: runs in the threadpool
    return {"id": document_id, **result}
