"""The notices of a dossier's life, after the annexes of Circular 01/2018/TT-VPCP: supplement request (form 02),
refusal (form 03), apology with a new date (form 04), as one-page Vietnamese PDFs with the receipt's QR top-left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from core.timezone import now_vn, to_vn
from issuing.paper import Flow, Heading, paper_header, qr_footer, when_vi
from issuing.pdfdraw import MM, PdfDocument
from issuing.qr import ReceiptPayload, encode_receipt, mask_owner_id
from issuing.settings import issuing_settings

NoticeKind = Literal["supplement", "refusal", "apology"]
TITLES: dict[NoticeKind, str] = {
    "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
    "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
}
TYPE_CODES: dict[NoticeKind, str] = {"supplement": "PYCBS", "refusal": "PTC", "apology": "PXL"}
# why the notice is written into the owner's vault, as her access log shows beside the store (as "số hóa" is a scan's)
PURPOSES: dict[NoticeKind, str] = {
    "supplement": "yêu cầu bổ sung hồ sơ",
    "refusal": "từ chối tiếp nhận, giải quyết hồ sơ",
    "apology": "hẹn lại ngày trả kết quả",
}


@dataclass(frozen=True)
class Notice:
    """Everything printed on a notice. `items` are the missing papers (supplement); `reason` why (all three);
    `deadline` the one missed and `new_date` the one promised (apology)."""

    kind: NoticeKind
    heading: Heading
    dossier_code: str
    procedure_code: str
    procedure_name: str
    owner_name: str
    owner_id: str
    received_at: dt.datetime
    reason: str
    items: Sequence[str] = ()
    deadline: dt.datetime | None = None
    new_date: dt.datetime | None = None
    officer_name: str = ""
    issued_at: dt.datetime | None = None


def notice_payload(notice: Notice) -> ReceiptPayload:
    """The QR payload: the receipt's fields with the notice's name (the owner's ID masked as on receipts)."""
    settings = issuing_settings()
    owner = mask_owner_id(notice.owner_id) if settings.owner_id_on_paper == "masked" else notice.owner_id
    return ReceiptPayload(
        dossier_code=notice.dossier_code,
        procedure_code=notice.procedure_code,
        owner_id=owner,
        issued_at=to_vn(notice.issued_at or now_vn()).replace(microsecond=0),
        appointment_at=to_vn(notice.new_date) if notice.new_date else None,
        paper_name=TITLES[notice.kind],
        issuing_system=settings.issuing_system,
    )


def _body(flow: Flow, notice: Notice) -> None:
    agency = notice.heading.agency_name
    procedure = f"{notice.procedure_name or 'Thủ tục'} (mã thủ tục {notice.procedure_code})"
    if notice.kind == "supplement":
        flow.para(f"{agency} tiếp nhận hồ sơ của: {notice.owner_name or '(không ghi tên)'}")
        flow.para(f"Nội dung yêu cầu giải quyết: {procedure}")
        flow.para("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", font="serif-bold")
        for number, item in enumerate(notice.items, start=1):
            flow.para(f"{number}. {item}", indent=6 * MM)
        flow.para(f"Lý do: {notice.reason}")
        flow.para(
            "Thời hạn giải quyết được tính lại từ đầu kể từ khi nhận đủ hồ sơ. "
            "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ "
            f"{agency} để được hướng dẫn."
        )
    elif notice.kind == "refusal":
        flow.para(f"{agency} tiếp nhận hồ sơ của: {notice.owner_name or '(không ghi tên)'}")
        flow.para(f"Nội dung yêu cầu giải quyết: {procedure}")
        flow.para(f"Qua xem xét, {agency} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:")
        flow.para(notice.reason, indent=6 * MM)
        flow.para("Xin thông báo cho Ông/Bà được biết và thực hiện./.")
    else:
        flow.para(
            f"Ngày {to_vn(notice.received_at):%d/%m/%Y}, {agency} tiếp nhận giải quyết hồ sơ của Ông/Bà "
            f"{notice.owner_name or '(không ghi tên)'}."
        )
        flow.para(f"Nội dung yêu cầu giải quyết: {procedure}")
        if notice.deadline is not None:
            flow.para(f"Thời hạn trả kết quả theo quy định: {when_vi(notice.deadline)}.")
        flow.para(f"Nhưng đến nay, {agency} chưa trả kết quả giải quyết hồ sơ cho Ông/Bà. Lý do: {notice.reason}")
        when = when_vi(notice.new_date) if notice.new_date else ""
        flow.para(
            f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {agency} xin lỗi Ông/Bà và sẽ trả kết quả giải quyết "
            f"hồ sơ cho Ông/Bà vào {when}."
        )
        flow.para("Mong nhận được sự thông cảm của Ông/Bà./.")


def render_notice(notice: Notice) -> bytes:
    """The notice as PDF bytes: QR top-left, agency and motto, the title and dossier code, the body of its form,
    and the officer's signature block (the agency's digital signature is added by `issuing.agency.sign_notice`)."""
    if notice.kind == "supplement" and not notice.items:
        raise ValueError("a supplement request lists the missing papers")
    if notice.kind == "apology" and notice.new_date is None:
        raise ValueError("an apology gives the new date")
    payload = notice_payload(notice)
    title = TITLES[notice.kind]
    doc = PdfDocument(title=f"{title} — {notice.dossier_code}", author=notice.heading.agency_name)
    first = doc.new_page()
    flow = Flow(doc, first, paper_header(first, notice.heading, encode_receipt(payload), payload.issued_at))
    centre = first.width / 2
    for line in first.wrap(title.upper(), 170 * MM, "serif-bold", 14):
        first.text(centre, flow.y, line, "serif-bold", 14, "center")
        flow.y -= 18
    first.text(centre, flow.y, f"Mã hồ sơ: {notice.dossier_code}", "serif-bold", 12, "center")
    flow.y -= 12 * MM
    _body(flow, notice)
    flow.y -= 8 * MM
    flow.need(35 * MM)
    flow.page.text(150 * MM, flow.y, "NGƯỜI LẬP PHIẾU", "serif-bold", 12, "center")
    flow.page.text(150 * MM, flow.y - 15, "(Ký số của cơ quan)", "serif-italic", 11, "center")
    if notice.officer_name:
        flow.page.text(150 * MM, flow.y - 25 * MM, notice.officer_name, "serif-bold", 12, "center")
    qr_footer(first, payload.issuing_system, payload.issued_at)
    return doc.to_bytes()
