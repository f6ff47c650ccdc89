"""Documents for case handlers, citizens and admins: metadata, signed content (streamed, HTTP Range,
`Repr-Digest`), OCR text, extracted fields and the signature validation report. Every read is authorised by the
vault and recorded in its access log; a document the caller may not read is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response, StreamingResponse

from api.auth import Purposeful
from api.problems import PROBLEM_RESPONSES, Problem
from api.schemas import DocumentOut, FieldsOut, TextOut, document_out
from api.services import Svc, services_of
from api.views import PDF_RESPONSES, content_response, model_json

router = APIRouter(prefix="/api/v1", tags=["documents"], responses=PROBLEM_RESPONSES)


@router.get("/documents/{document_id}", response_model=DocumentOut, summary="A document's catalogue record")
def get_document(document_id: str, actor: Purposeful, request: Request) -> Response:
    return model_json(document_out(services_of(request).vault.get_document(document_id, actor)))


@router.get(
    "/d/{agency_code}/{type_code}/{document_id}",
    response_model=DocumentOut,
    summary="Resolve a document's stable URI (issuing agency, document type, id)",
)
def resolve_uri(agency_code: str, type_code: str, document_id: str, actor: Purposeful, svc: Svc) -> DocumentOut:
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
    document_id: str, actor: Purposeful, svc: Svc, range_: Annotated[str | None, Header(alias="Range")] = None
) -> Response:
    return content_response(svc.vault, document_id, actor, range_)


@router.get("/documents/{document_id}/text", response_model=TextOut, summary="The OCR text")
def get_text(document_id: str, actor: Purposeful, svc: Svc) -> TextOut:
    record = svc.vault.get_document(document_id, actor)
    return TextOut(id=record.id, text=record.ocr_text or "")


@router.get("/documents/{document_id}/fields", response_model=FieldsOut, summary="Fields extracted from the text")
def get_fields(document_id: str, actor: Purposeful, svc: Svc) -> FieldsOut:
    record = svc.vault.get_document(document_id, actor)
    return FieldsOut(id=record.id, fields=record.extracted_fields)


@router.get(
    "/documents/{document_id}/validation",
    summary="Validate the document's signatures now (ETSI EN 319 102-1 verdicts)",
)
def get_validation(document_id: str, actor: Purposeful, svc: Svc) -> dict[str, Any]:
    from signing.summary import report_json
    from signing.validate import validate_pdf

    with svc.vault.open_content(document_id, actor) as content:
        data = content.read()
    result = report_json(validate_pdf(data))  # CPU-bound: runs in the threadpool
    return {"id": document_id, **result}
