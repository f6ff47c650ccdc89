"""The receipt and appointment slip [Giấy tiếp nhận hồ sơ và hẹn trả kết quả] as a one-page Vietnamese PDF.

Laid out after form 01 of Circular 01/2018/TT-VPCP, with the QR code of Circular 01/2023 top-left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.identifiers import validate_dossier_code, validate_procedure_code
from core.timezone import now_vn, to_vn
from core.types import Actor, DocumentKind, Role
from issuing.calendar import (
    Appointment,
    ProcedureTable,
    ProcessingTime,
    WorkingCalendar,
    default_calendar,
    default_procedures,
)
from issuing.paper import Flow, Heading, paper_header, qr_footer, when_vi
from issuing.pdfdraw import MM, PdfDocument
from issuing.qr import RECEIPT_PAPER_NAME, ReceiptPayload, encode_receipt, mask_owner_id
from issuing.settings import IssuingSettings, issuing_settings
from vault.records import DossierRecord
from vault.service import Vault


@dataclass(frozen=True)
class ReceiptComponent:
    """One paper received: its name and, optionally, its form (bản chính, bản sao...) and count; `reused`: an
    electronic paper taken from the citizen's vault, handed in on no paper (printed as such, without a count)."""

    name: str
    form: str = ""
    quantity: int = 1
    reused: bool = False


REUSED_VI = "bản điện tử có sẵn, dùng lại từ kho dữ liệu, không nộp bản giấy"


def component_line(number: int, component: ReceiptComponent) -> str:
    """A paper's line under "Thành phần hồ sơ nộp gồm": "2. Giấy khai sinh (bản chính, số lượng: 01)"; a reused
    paper says it came from the vault instead of a form and count."""
    if component.reused:
        parts = [REUSED_VI]
    else:
        count = f"số lượng: {component.quantity:02d}" if component.quantity else ""
        parts = [part for part in (component.form, count) if part]
    return f"{number}. {component.name}" + (f" ({', '.join(parts)})" if parts else "")


@dataclass(frozen=True)
class Receipt:
    """Everything printed on a receipt. Times are aware datetimes (shown in Vietnam time)."""

    agency_name: str
    dossier_code: str
    procedure_code: str
    procedure_name: str
    owner_name: str
    owner_id: str
    components: Sequence[ReceiptComponent]
    received_at: dt.datetime
    appointment_at: dt.datetime
    processing_time: ProcessingTime | None = None
    parent_agency: str = ""  # e.g. "UBND TỈNH QUẢNG TRỊ", printed above the agency name
    place: str = ""  # e.g. "Quảng Trị", for "Quảng Trị, ngày ... tháng ... năm ..."
    officer_name: str = ""
    result_delivery: str = ""  # where the result is handed over, e.g. "Bộ phận Một cửa" or "qua bưu chính"
    issued_at: dt.datetime | None = None  # default: now
    status_url: str = ""  # the public status page: a second QR that a phone's camera opens (the first is data)


def status_page_url(request_base: str, code: str) -> str:
    """The address of the dossier's public status page, `/tra-cuu/{code}`, under the operator's public base URL
    (`SOHOA_ISSUING_PUBLIC_BASE_URL`) or else the address the request came to."""
    base = issuing_settings().public_base_url or request_base
    return f"{base.rstrip('/')}/tra-cuu/{code}"


def receipt_payload(
    receipt: Receipt,
    *,
    owner_id_on_paper: Literal["masked", "clear"] | None = None,
    issuing_system: str | None = None,
) -> ReceiptPayload:
    """The QR payload of a receipt (settings give the owner-id form and the issuing system by default)."""
    settings = issuing_settings()
    form = owner_id_on_paper or settings.owner_id_on_paper
    return ReceiptPayload(
        dossier_code=validate_dossier_code(receipt.dossier_code),
        procedure_code=validate_procedure_code(receipt.procedure_code),
        owner_id=mask_owner_id(receipt.owner_id) if form == "masked" else receipt.owner_id,
        issued_at=to_vn(receipt.issued_at or now_vn()).replace(microsecond=0),
        appointment_at=to_vn(receipt.appointment_at),
        paper_name=RECEIPT_PAPER_NAME,
        issuing_system=issuing_system or settings.issuing_system,
    )


def build_receipt(
    *,
    agency_name: str,
    dossier_code: str,
    procedure_code: str,
    owner_name: str,
    owner_id: str,
    components: Sequence[ReceiptComponent],
    received_at: dt.datetime,
    calendar: WorkingCalendar,
    procedures: ProcedureTable,
    parent_agency: str = "",
    place: str = "",
    officer_name: str = "",
    result_delivery: str = "",
    issued_at: dt.datetime | None = None,
) -> tuple[Receipt, Appointment]:
    """A receipt whose processing time comes from the procedure table and appointment from the calendar."""
    procedure = procedures.get(procedure_code)
    appointment = calendar.appointment(received_at, procedure.processing_time)
    receipt = Receipt(
        agency_name=agency_name,
        dossier_code=dossier_code,
        procedure_code=procedure_code,
        procedure_name=procedure.name,
        owner_name=owner_name,
        owner_id=owner_id,
        components=tuple(components),
        received_at=appointment.received_at,
        appointment_at=appointment.appointment_at,
        processing_time=procedure.processing_time,
        parent_agency=parent_agency,
        place=place,
        officer_name=officer_name,
        result_delivery=result_delivery,
        issued_at=issued_at,
    )
    return receipt, appointment


def render_receipt(
    receipt: Receipt,
    *,
    owner_id_on_paper: Literal["masked", "clear"] | None = None,
    issuing_system: str | None = None,
) -> bytes:
    """The receipt as PDF bytes: QR top-left, agency and national motto, the dossier, the papers received,
    the times received and of the appointment, and the signature blocks. Raises ValueError on bad codes."""
    payload = receipt_payload(receipt, owner_id_on_paper=owner_id_on_paper, issuing_system=issuing_system)
    doc = PdfDocument(title=f"{RECEIPT_PAPER_NAME} — {receipt.dossier_code}", author=receipt.agency_name)
    first = doc.new_page()
    heading = Heading(receipt.agency_name, receipt.parent_agency, receipt.place)
    flow = Flow(doc, first, paper_header(first, heading, encode_receipt(payload), payload.issued_at))
    centre = first.width / 2
    first.text(centre, flow.y, RECEIPT_PAPER_NAME.upper(), "serif-bold", 14, "center")
    first.text(centre, flow.y - 18, f"Mã hồ sơ: {receipt.dossier_code}", "serif-bold", 12, "center")
    flow.y -= 18 + 12 * MM

    flow.labelled(f"{receipt.agency_name} tiếp nhận hồ sơ của:", receipt.owner_name)
    flow.labelled("Số định danh / mã số thuế:", payload.owner_id)
    procedure = f"{receipt.procedure_name} (mã thủ tục {receipt.procedure_code})"
    flow.labelled("Nội dung yêu cầu giải quyết:", procedure)
    flow.y -= 4
    flow.para("1. Thành phần hồ sơ nộp gồm:", font="serif-bold")
    for number, component in enumerate(receipt.components, start=1):
        flow.para(component_line(number, component), indent=6 * MM)
    flow.labelled("2. Số lượng hồ sơ:", "01 (bộ)")
    if receipt.processing_time is not None:
        flow.labelled("3. Thời gian giải quyết hồ sơ theo quy định:", receipt.processing_time.label_vi())
    flow.labelled("4. Thời gian nhận hồ sơ:", when_vi(receipt.received_at))
    flow.labelled("5. Thời gian trả kết quả giải quyết hồ sơ:", when_vi(receipt.appointment_at))
    if receipt.result_delivery:
        flow.labelled("6. Đăng ký nhận kết quả tại:", receipt.result_delivery)

    flow.y -= 6 * MM
    flow.need(40 * MM)
    page = flow.page
    for x, title in ((55 * MM, "NGƯỜI NỘP HỒ SƠ"), (150 * MM, "NGƯỜI TIẾP NHẬN HỒ SƠ")):
        page.text(x, flow.y, title, "serif-bold", 12, "center")
        page.text(x, flow.y - 15, "(Ký và ghi rõ họ tên)", "serif-italic", 11, "center")
    page.text(55 * MM, flow.y - 30 * MM, receipt.owner_name, "serif-bold", 12, "center")
    if receipt.officer_name:
        page.text(150 * MM, flow.y - 30 * MM, receipt.officer_name, "serif-bold", 12, "center")
    if receipt.status_url:
        _status_qr(flow, receipt.status_url)
    qr_footer(page, payload.issuing_system, payload.issued_at)
    return doc.to_bytes()


STATUS_QR_MM = 26


def _status_qr(flow: Flow, url: str) -> None:
    """Below the signatures: the status page's address as a QR code a phone's camera opens, and in print."""
    flow.y -= 40 * MM
    flow.need(STATUS_QR_MM * MM)
    page, left, top = flow.page, flow.left, flow.y
    page.qr(left, top, STATUS_QR_MM * MM, url, "M")
    text_x = left + (STATUS_QR_MM + 5) * MM
    page.text(text_x, top - 6 * MM, "Tra cứu tình trạng hồ sơ bằng điện thoại:", "serif-bold", 11)
    page.text(text_x, top - 6 * MM - 15, "quét mã QR này bằng máy ảnh của điện thoại, hoặc mở địa chỉ", "serif", 11)
    for number, line in enumerate(page.wrap(url, flow.right - text_x, "serif", 10)):
        page.text(text_x, top - 6 * MM - 32 - 13 * number, line, "serif", 10)
    flow.y = top - STATUS_QR_MM * MM


def dossier_receipt(
    vault: Vault,
    dossier: DossierRecord,
    actor: Actor,
    *,
    calendar: WorkingCalendar | None = None,
    procedures: ProcedureTable | None = None,
    settings: IssuingSettings | None = None,
    order: Mapping[str, tuple[dt.datetime, int]] | None = None,
) -> tuple[Receipt, Appointment]:
    """The receipt of a dossier as the counter issued it: issued at reception, components handed in so far,
    processing time from the procedure table and appointment from the working calendar. A station (the counter
    officer who receives and prints) signs as the receiving officer under its token's name; anyone else leaves the
    line blank to be written by hand. `order`: each scanned document's (batch time, position in the batch), the
    order the counter declared the papers in (`ingest.batches.declared_order`); the receipt lists them so."""
    settings = settings or issuing_settings()
    owner = vault.ensure_owner(dossier.owner_id)
    order = order or {}
    linked = [
        linked
        for linked in vault.dossier_documents(dossier.code, actor)
        if linked.document.kind in (DocumentKind.COMPONENT, DocumentKind.CITIZEN_UPLOAD)
    ]
    # in the order handed in: a scanned paper at its batch's time and position, any other when it was attached
    linked.sort(key=lambda item: _aware(*order.get(item.document.id, (item.attached_at, -1))))
    components = [
        ReceiptComponent(name=item.component_name or item.document.name, reused=item.reused) for item in linked
    ]
    return build_receipt(
        agency_name=settings.agency_name(dossier.agency_code),
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        owner_name=owner.display_name or "",
        owner_id=dossier.owner_id,
        components=components,
        received_at=dossier.received_at,
        calendar=calendar or default_calendar(),
        procedures=procedures or default_procedures(),
        officer_name=(actor.name or "") if actor.role is Role.STATION else "",
        issued_at=dossier.received_at,
    )


def _aware(moment: dt.datetime, position: int) -> tuple[dt.datetime, int]:
    """A sort key: the time as UTC-aware (SQLite returns it naive), then the position in its batch."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)), position
