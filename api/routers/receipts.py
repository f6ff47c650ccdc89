"""The dossier receipt and appointment slip [Giấy tiếp nhận hồ sơ và hẹn trả kết quả] as a Vietnamese PDF with
its QR code, its data as JSON, and the handlers' look-up by the receipt's QR payload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import Purposeful
from api.dossier_views import public_state
from api.problems import Problem
from api.services import Services, Svc
from api.views import ISSUING_RESPONSES
from core.types import Actor
from ingest.batches import declared_order
from issuing.calendar import Appointment, CalendarError, UnknownProcedure
from issuing.qr import PayloadError, decode_receipt, encode_receipt
from issuing.receipt import Receipt, dossier_receipt, receipt_payload, render_receipt, status_page_url
from vault.records import DossierRecord

router = APIRouter(prefix="/api/v1", tags=["receipts"], responses=ISSUING_RESPONSES)


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


def _receipt(svc: Services, dossier: DossierRecord, actor: Actor) -> tuple[Receipt, Appointment]:
    try:
        with svc.sessions() as session:
            order = declared_order(session, dossier.code)
        return dossier_receipt(svc.vault, dossier, actor, order=order)
    except UnknownProcedure as exc:
        raise Problem(409, f"{exc.args[0]}: add it to the procedure table to issue receipts") from exc
    except CalendarError as exc:
        raise Problem(409, str(exc)) from exc


@router.get(
    "/dossiers/{code}/receipt",
    responses={200: {"model": ReceiptOut, "content": {"application/pdf": {}}}},
    summary="The receipt and appointment slip (PDF, QR top-left), or its data with format=json",
)
async def get_receipt(
    code: str,
    actor: Purposeful,
    svc: Svc,
    request: Request,
    format_: Annotated[Literal["pdf", "json"], Query(alias="format")] = "pdf",
) -> Response:
    dossier = await run_in_threadpool(svc.vault.get_dossier, code, actor)
    receipt, appointment = await run_in_threadpool(_receipt, svc, dossier, actor)
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
    receipt = replace(receipt, status_url=status_page_url(str(request.base_url), receipt.dossier_code))
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
def lookup(body: LookupIn, actor: Purposeful, svc: Svc) -> LookupOut:
    try:
        payload = decode_receipt(body.qr)
    except PayloadError as exc:
        raise Problem(422, f"not a sohoa receipt code: {exc}") from exc
    dossier = svc.vault.get_dossier(payload.dossier_code, actor)
    completed = svc.vault.dossier_state(dossier.code).completed
    return LookupOut(
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        status=public_state(dossier.status, completed),
        completed=completed,
        received_at=dossier.received_at,
        appointment_at=payload.appointment_at,
    )
