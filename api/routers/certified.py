"""Certified electronic copies from originals [chứng thực bản sao điện tử từ bản chính]: at the counter an officer
of the dossier's agency certifies a scan (uploaded, or a paper already in the vault) against the original; sohoa
numbers it in the agency's yearly register, signs it with the agency's certificate and stores it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.auth import require_roles
from api.problems import Problem
from api.schemas import DocumentOut, document_out
from api.services import Services, Svc
from api.views import ISSUING_RESPONSES, read_pdf
from core.types import Actor, DocumentKind, DocumentStatus, Role
from signing.errors import PdfInputError, SigningError

router = APIRouter(prefix="/api/v1", tags=["certified copies"], responses=ISSUING_RESPONSES)

Officer = Annotated[Actor, Depends(require_roles(Role.STATION, Role.HANDLER))]
TYPE_CODE = r"^[A-Za-z0-9._-]{1,50}$"


class CertifiedCopyOut(BaseModel):
    document: DocumentOut
    certification_number: str
    register_year: int
    register_number: int


def _source_pdf(svc: Services, document_id: str, owner_id: str, actor: Actor) -> tuple[bytes, str, str | None]:
    record = svc.vault.get_document(document_id, actor)
    if record.owner_id != owner_id:
        raise Problem(404, "no such document in the dossier owner's vault")
    if record.status is not DocumentStatus.VALID:
        raise Problem(409, f"the document is {record.status} and cannot be certified")
    if record.kind is DocumentKind.CERTIFIED_COPY:
        raise Problem(409, "the document is already a certified copy")
    with svc.vault.open_content(document_id, actor) as content:
        return content.read(), record.name, record.type_code


@router.post(
    "/dossiers/{code}/certified-copies",
    status_code=201,
    response_model=CertifiedCopyOut,
    summary="Certify a scan against its original: numbered, signed by the agency, stored as certified_copy",
)
async def certify(
    code: str,
    actor: Officer,
    svc: Svc,
    file: Annotated[UploadFile | None, File(description="The scanned PDF (or give document_id)")] = None,
    document_id: Annotated[str | None, Form(max_length=32, description="A paper already in the vault")] = None,
    name: Annotated[str | None, Form(min_length=1, max_length=500, description="The paper's name")] = None,
    type_code: Annotated[str | None, Form(pattern=TYPE_CODE)] = None,
) -> CertifiedCopyOut:
    dossier = svc.vault.get_dossier(code, actor)
    if actor.agency_code != dossier.agency_code:
        raise Problem(404, "no such dossier")
    if (file is None) == (document_id is None):
        raise Problem(422, "give either a scanned PDF (file) or the id of a vault document (document_id)")
    if file is not None:
        if not name:
            raise Problem(422, "name: the paper's name is required with a scanned file")
        pdf = await read_pdf(file, svc.ingest.max_file_bytes)
    else:
        assert document_id is not None
        pdf, stored_name, stored_type = await run_in_threadpool(_source_pdf, svc, document_id, dossier.owner_id, actor)
        name, type_code = name or stored_name, type_code or stored_type
    try:
        issued = await run_in_threadpool(
            lambda: svc.certify_copy(dossier, pdf, name=str(name), type_code=type_code, actor=actor)
        )
    except PdfInputError as exc:
        raise Problem(422, str(exc)) from exc
    except SigningError as exc:
        raise Problem(503, f"the copy cannot be certified now: {exc}", headers={"Retry-After": "60"}) from exc
    return CertifiedCopyOut(
        document=document_out(issued.record),
        certification_number=issued.certification.label,
        register_year=issued.certification.year,
        register_number=issued.certification.number,
    )
