"""The public look-up without login (Kon Tum 2.b.(4)): a dossier's code, completion state and appointment only, by
dossier code or by the receipt's QR payload, and a QR code (PNG or SVG) that opens the dossier's public status page.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.dossier_views import STATE_LABELS, public_state
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Services, Svc
from core.identifiers import InvalidIdentifier, validate_dossier_code
from issuing.dossier_flow import clock, receipt_appointment
from issuing.qr import PayloadError, decode_receipt
from issuing.receipt import status_page_url
from vault.errors import NotFound

router = APIRouter(prefix="/api/v1/public", tags=["public"], responses=PROBLEM_RESPONSES)


MOVED_BY = {"apologise": "apology", "receive_supplement": "supplement"}


class PublicStatus(BaseModel):
    """Only what anyone may see: the code, whether the dossier is completed, and its appointment while it is open
    (nothing of its owner or papers)."""

    code: str
    state: str = Field(
        description="received, processing, supplement_requested, result_ready, returned, refused, withdrawn; "
        "completed when a valid result is stored while the dossier is still open"
    )
    state_vi: str
    completed: bool
    appointment_at: dt.datetime | None = Field(
        None,
        description="the appointment for the result in force while the dossier is received or processing and not "
        "completed (the receipt's, or the one an apology or the supplement's arrival set); null otherwise",
    )
    appointment_moved: Literal["apology", "supplement"] | None = Field(
        None, description="what moved the appointment from the receipt's: the agency's apology, the supplement"
    )
    receipt_appointment_at: dt.datetime | None = Field(
        None, description="the appointment the receipt printed, given when it was moved"
    )
    overdue: bool = Field(False, description="still open past the appointment's deadline")


def public_status(svc: Services, code: str) -> PublicStatus:
    try:
        dossier = svc.vault.dossier_state(validate_dossier_code(code))
    except (InvalidIdentifier, NotFound):
        raise Problem(404, "no such dossier") from None
    state = public_state(dossier.status, dossier.completed)
    found = PublicStatus(
        code=dossier.code, state=state, state_vi=STATE_LABELS.get(state, state), completed=dossier.completed
    )
    if state not in ("received", "processing"):
        return found
    ticking = clock(dossier, [])
    moved = MOVED_BY.get(dossier.due_set_by or "") if dossier.due_at is not None else None
    printed = receipt_appointment(dossier) if moved else None
    return found.model_copy(
        update={
            "appointment_at": ticking.appointment_at,
            "appointment_moved": moved,
            "receipt_appointment_at": printed.appointment_at if printed else None,
            "overdue": ticking.overdue,
        }
    )


@router.get("/dossiers/{code}/status", response_model=PublicStatus, summary="A dossier's completion state")
def status_by_code(code: str, svc: Svc) -> PublicStatus:
    return public_status(svc, code)


@router.get("/status", response_model=PublicStatus, summary="The completion state, from a receipt's QR payload")
def status_by_qr(svc: Svc, qr: Annotated[str, Query(min_length=8, max_length=2000)]) -> PublicStatus:
    try:
        payload = decode_receipt(qr)
    except PayloadError as exc:
        raise Problem(422, f"not a sohoa receipt code: {exc}") from exc
    return public_status(svc, payload.dossier_code)


def status_url(request: Request, code: str) -> str:
    return status_page_url(str(request.base_url), code)


@router.get(
    "/dossiers/{code}/qr",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
    summary="A QR code (ISO/IEC 18004) holding the URL of the dossier's public status page (`/tra-cuu/{code}`)",
)
def status_qr(
    code: str,
    request: Request,
    svc: Svc,
    format_: Annotated[Literal["png", "svg"], Query(alias="format")] = "png",
) -> Response:
    import qrcode
    from qrcode.image.svg import SvgPathImage

    status = public_status(svc, code)
    data = status_url(request, status.code)
    buffer = io.BytesIO()
    if format_ == "svg":
        qrcode.make(data, image_factory=SvgPathImage, box_size=10, border=4).save(buffer)
        media = "image/svg+xml"
    else:
        qrcode.make(data, box_size=8, border=4).save(buffer)
        media = "image/png"
    return Response(buffer.getvalue(), media_type=media, headers={"Cache-Control": "public, max-age=300"})
