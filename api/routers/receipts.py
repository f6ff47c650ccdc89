"""The dossier receipt and appointment slip [Giấy tiếp nhận hồ sơ và hẹn trả kết quả] as a Vietnamese PDF with
its QR code, its data as JSON, and the handlers' look-up by the receipt's QR payload.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor, require_purpose
from api.problems import Problem
from api.routers.dossiers import visible_dossier
from api.routers.results import ISSUING_RESPONSES
from api.services import Services, services
from core.types import Actor
from issuing.calendar import Appointment, CalendarError, UnknownProcedure
from issuing.qr import PayloadError, decode_receipt, encode_receipt
from issuing.receipt import Receipt, dossier_receipt, receipt_payload, render_receipt
from issuing.results import has_valid_result
from vault.records import DossierRecord

router = APIRouter(prefix="/api/v1", tags=["receipts"], responses=ISSUING_RESPONSES)

Reader = Annotated[Actor, Depends(current_actor)]
Svc = Annotated[Services, Depends(services)]


class ReceiptOut(BaseModel):
    dossier_code: str
    procedure_code: str
    procedure_name: str
    received_at: dt.datetime
    counted_from: dt.datetime = Field(description="start of counting: the next working moment after receipt")
    deadline: dt.datetime = Field(description="when the processing time in working minutes runs out")
    appointment_at: dt.datetime = Field(description="start of the working session after the deadline")
    processing_time: str
    qr_payload: str


class LookupIn(BaseModel):
    qr: str = Field(min_length=8, max_length=2000, description="the text of the receipt's QR code")


class LookupOut(BaseModel):
    dossier_code: str
    procedure_code: str
    status: str
    completed: bool
    received_at: dt.datetime
    appointment_at: dt.datetime | None


def _receipt(svc: Services, dossier: DossierRecord) -> tuple[Receipt, Appointment]:
    try:
        return dossier_receipt(svc.vault, dossier)
    except UnknownProcedure as exc:
        raise Problem(409, f"{exc.args[0]}: add it to the procedure table to issue receipts") from exc
    except CalendarError as exc:
        raise Problem(409, str(exc)) from exc


@router.get(
    "/dossiers/{code}/receipt",
    responses={200: {"content": {"application/pdf": {}, "application/json": {}}}},
    summary="The receipt and appointment slip (PDF, QR top-left), or its data with format=json",
)
async def get_receipt(
    code: str, actor: Reader, svc: Svc, format_: Annotated[Literal["pdf", "json"], Query(alias="format")] = "pdf"
) -> Response:
    require_purpose(actor)
    dossier = visible_dossier(svc, code, actor)
    receipt, appointment = await run_in_threadpool(_receipt, svc, dossier)
    if format_ == "json":
        out = ReceiptOut(
            dossier_code=receipt.dossier_code,
            procedure_code=receipt.procedure_code,
            procedure_name=receipt.procedure_name,
            received_at=appointment.received_at,
            counted_from=appointment.counted_from,
            deadline=appointment.deadline,
            appointment_at=appointment.appointment_at,
            processing_time=appointment.processing_time.label_vi(),
            qr_payload=encode_receipt(receipt_payload(receipt)),
        )
        return Response(out.model_dump_json(), media_type="application/json")
    pdf = await run_in_threadpool(render_receipt, receipt)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{code}.receipt.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post(
    "/receipts/lookup",
    response_model=LookupOut,
    summary="Handlers' look-up by the QR payload of a receipt (the dossier must be visible to the caller)",
)
def lookup(body: LookupIn, actor: Reader, svc: Svc) -> LookupOut:
    require_purpose(actor)
    try:
        payload = decode_receipt(body.qr)
    except PayloadError as exc:
        raise Problem(422, f"not a sohoa receipt code: {exc}") from exc
    dossier = visible_dossier(svc, payload.dossier_code, actor)
    completed = has_valid_result(svc.vault, dossier.code)
    return LookupOut(
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        status="completed" if completed else dossier.status,
        completed=completed,
        received_at=dossier.received_at,
        appointment_at=payload.appointment_at,
    )
