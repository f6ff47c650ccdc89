"""Electronic results (Decree 45/2020 art. 14): a handler of the dossier's agency stores a signed result as
`<dossier code>-KQ<n>`, corrects it (a new version) or cancels it (kept, readable, no longer reusable).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from api.auth import require_roles
from api.problems import PROBLEM_MEDIA_TYPE, Problem
from api.schemas import DocumentOut, document_out
from api.services import Services, Svc
from api.views import ISSUING_RESPONSES, read_pdf
from core.types import Actor, DocumentKind, DocumentStatus, Role
from issuing.results import IssuedResult, ResultFields, ResultRefused, correct_result, issue_result, result_event
from signing.errors import PdfInputError, SigningError
from vault.records import DocumentRecord, DossierRecord

router = APIRouter(prefix="/api/v1", tags=["results"], responses=ISSUING_RESPONSES)

Handler = Annotated[Actor, Depends(require_roles(Role.HANDLER, Role.ADMIN))]
METADATA_HELP = "JSON: type_code, name, number_symbol, issued_at, valid_until or permanent, scope"
ISSUED_KINDS = (DocumentKind.RESULT, DocumentKind.CERTIFIED_COPY)


class ResultOut(BaseModel):
    document: DocumentOut
    sealed_by_sohoa: bool = Field(description="sohoa applied the agency's seal (the upload carried none)")
    report: dict[str, Any] = Field(description="validation report of the stored file")


class CancelIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


def refused_response(path: str, exc: ResultRefused) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": "Result refused",
        "status": 422,
        "detail": exc.detail,
        "instance": path,
        "report": exc.report.model_dump(mode="json") if exc.report else None,
    }
    return JSONResponse(body, status_code=422, media_type=PROBLEM_MEDIA_TYPE)


def parse_fields(metadata: str) -> ResultFields:
    try:
        return ResultFields.model_validate(json.loads(metadata))
    except json.JSONDecodeError as exc:
        raise Problem(422, f"metadata is not JSON: {exc.msg}") from exc
    except ValidationError as exc:
        errors = [{"field": ".".join(map(str, e["loc"])) or "metadata", "message": e["msg"]} for e in exc.errors()]
        raise Problem(422, "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors) from exc


def result_out(issued: IssuedResult) -> ResultOut:
    return ResultOut(
        document=document_out(issued.record),
        sealed_by_sohoa=issued.sealed,
        report=issued.report.model_dump(mode="json"),
    )


def _agency_handler(actor: Actor, agency_code: str) -> None:
    if actor.role is Role.HANDLER and actor.agency_code != agency_code:
        raise Problem(404, "no such dossier")


@router.post(
    "/dossiers/{code}/results",
    status_code=201,
    response_model=ResultOut,
    responses={422: {"description": "Bad metadata, not a PDF, or the signatures are refused (with `report`)"}},
    summary="Store a dossier's electronic result, signed by the competent agency, as <dossier code>-KQ<n>",
)
async def post_result(
    code: str,
    actor: Handler,
    svc: Svc,
    file: Annotated[UploadFile | None, File(description="The result PDF, signed by the agency")] = None,
    metadata: Annotated[str | None, Form(description=METADATA_HELP)] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> ResultOut | JSONResponse:
    dossier = svc.vault.get_dossier(code, actor)  # before the body: a foreign dossier is a 404 whatever is sent
    _agency_handler(actor, dossier.agency_code)
    if file is None or metadata is None:
        raise Problem(422, "send the result PDF as `file` and its `metadata` (multipart/form-data)")
    fields = parse_fields(metadata)
    pdf = await read_pdf(file, svc.ingest.max_file_bytes)
    return await _issued(
        f"/api/v1/dossiers/{code}/results",
        lambda: issue_result(svc.vault, dossier, pdf, fields, actor, svc.issuer, idempotency_key=idempotency_key),
    )


async def _issued(instance: str, issue: Callable[[], IssuedResult]) -> ResultOut | JSONResponse:
    """Run an issuing call off the event loop; a refused result answers with its validation report, an unusable
    PDF with a 422, a seal that cannot be applied now with a 503."""
    try:
        issued = await run_in_threadpool(issue)
    except ResultRefused as exc:
        return refused_response(instance, exc)
    except PdfInputError as exc:
        raise Problem(422, str(exc)) from exc
    except SigningError as exc:
        raise Problem(503, f"the agency's seal cannot be applied now: {exc}", headers={"Retry-After": "60"}) from exc
    return result_out(issued)


@router.post(
    "/documents/{document_id}/correction",
    response_model=ResultOut,
    summary="Store a corrected result as the next version of the same result (the previous one is superseded)",
)
async def post_correction(
    document_id: str,
    actor: Handler,
    svc: Svc,
    file: Annotated[UploadFile | None, File(description="The corrected result PDF, signed by the agency")] = None,
    reason: Annotated[str | None, Form(max_length=400, description="Why it is corrected (kept in its history)")] = None,
) -> ResultOut | JSONResponse:
    record, dossier = correctable(svc, document_id, actor)
    if file is None:
        raise Problem(422, "send the corrected result PDF as `file` (multipart/form-data)")
    pdf = await read_pdf(file, svc.ingest.max_file_bytes)
    return await _issued(
        f"/api/v1/documents/{document_id}/correction",
        lambda: correct_result(svc.vault, record, dossier.agency_code, pdf, actor, svc.issuer, reason=reason),
    )


def correctable(svc: Services, document_id: str, actor: Actor) -> tuple[DocumentRecord, DossierRecord]:
    """The result and its dossier when this actor may correct it now: a dossier's valid result, the dossier's
    agency's handler (404 otherwise), 409 for anything else. The API and the dossier page ask the same."""
    record = svc.vault.get_document(document_id, actor)
    if record.kind is not DocumentKind.RESULT or not record.source_dossier_code:
        raise Problem(409, "only a dossier's result is corrected this way")
    if record.status is not DocumentStatus.VALID:
        raise Problem(409, f"the result is {record.status}: store a new result instead")
    dossier = svc.vault.get_dossier(record.source_dossier_code, actor)
    _agency_handler(actor, dossier.agency_code)
    return record, dossier


@router.post(
    "/documents/{document_id}/cancel",
    response_model=DocumentOut,
    summary="Cancel an issued result or certified copy: it stays stored and readable, and cannot be reused",
)
def cancel(document_id: str, body: CancelIn, actor: Handler, svc: Svc) -> DocumentOut:
    return document_out(cancel_issued(svc, document_id, body.reason, actor))


def cancel_issued(svc: Services, document_id: str, reason: str, actor: Actor) -> DocumentRecord:
    """Cancel an issued paper (the API and the dossier page): 409 for another kind or one cancelled already; the
    vault refuses another agency (403, or 404 to one who cannot see it); the webhooks hear `result.cancelled`."""
    record = svc.vault.get_document(document_id, actor)
    if record.kind not in ISSUED_KINDS:
        raise Problem(409, "only issued papers (results, certified copies) are cancelled here")
    if record.status is DocumentStatus.CANCELLED:
        raise Problem(409, "the document is already cancelled")
    updated = svc.vault.set_status(document_id, DocumentStatus.CANCELLED, reason, actor)
    if updated.kind is DocumentKind.RESULT and updated.issuing_agency_code:
        svc.issuer.notify("result.cancelled", updated.issuing_agency_code, result_event(updated))
    return updated
