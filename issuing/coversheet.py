"""Cover sheets [tờ phân cách]: an A4 page printed per document, placed before it in the scanner's feeder.

Its large QR code names the dossier, the document type and name; sohoa splits the scan at these sheets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.identifiers import validate_dossier_code
from core.types import DocumentKind
from issuing.pdfdraw import MM, PdfDocument
from issuing.qr import CoverSheetPayload, encode_cover_sheet

QR_SIZE_MM = 70  # large, so that the code is found on a page downscaled to ~100 dpi
MAX_NAME_LENGTH = 200
TYPE_CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,50}$")  # as the station manifest accepts it
KIND_LABELS = {
    DocumentKind.COMPONENT: "Thành phần hồ sơ",
    DocumentKind.RESULT: "Kết quả giải quyết thủ tục hành chính",
    DocumentKind.CERTIFIED_COPY: "Bản sao điện tử chứng thực từ bản chính",
    DocumentKind.CITIZEN_UPLOAD: "Tài liệu công dân nộp",
}


def make_cover_sheet(
    dossier_code: str, type_code: str, name: str, kind: DocumentKind = DocumentKind.COMPONENT
) -> CoverSheetPayload:
    """Check the fields and build the payload; raises ValueError naming the bad field."""
    validate_dossier_code(dossier_code)
    type_code = type_code.strip()
    name = " ".join(name.split())
    if not TYPE_CODE_RE.fullmatch(type_code):
        raise ValueError("type code must be 1-50 characters of A-Z, a-z, 0-9, '.', '_' and '-'")
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"document name must be 1-{MAX_NAME_LENGTH} characters")
    return CoverSheetPayload(dossier_code=dossier_code, type_code=type_code, name=name, kind=kind)


def render_cover_sheet(sheet: CoverSheetPayload) -> bytes:
    """An A4 PDF: heading, the QR code (70 mm, centred), then the fields in Vietnamese, Liberation fonts."""
    return render_cover_sheets([sheet])


def render_cover_sheets(sheets: Sequence[CoverSheetPayload]) -> bytes:
    """One A4 page per sheet, in order: the sheets of every paper still to scan, printed at once."""
    if not sheets:
        raise ValueError("no cover sheet to print")
    doc = PdfDocument(title=f"Tờ phân cách — {sheets[0].dossier_code}", author="sohoa")
    for sheet in sheets:
        _draw_sheet(doc, sheet)
    return doc.to_bytes()


def _draw_sheet(doc: PdfDocument, sheet: CoverSheetPayload) -> None:
    page = doc.new_page()
    centre = page.width / 2
    top = page.height - 25 * MM
    page.text(centre, top, "TỜ PHÂN CÁCH TÀI LIỆU SỐ HÓA", "sans-bold", 18, "center")
    page.text(
        centre,
        top - 8 * MM,
        "Đặt tờ này ngay trước tài liệu khi quét. Tờ này không được lưu vào hồ sơ.",
        "sans",
        11,
        "center",
    )
    qr_top = top - 18 * MM
    page.qr(centre - QR_SIZE_MM * MM / 2, qr_top, QR_SIZE_MM * MM, encode_cover_sheet(sheet), "Q")

    y = qr_top - QR_SIZE_MM * MM - 16 * MM
    for line in page.wrap(sheet.name, page.width - 50 * MM, "serif-bold", 20):
        page.text(centre, y, line, "serif-bold", 20, "center")
        y -= 26
    y -= 6 * MM
    left = 30 * MM
    rows = (
        ("Mã hồ sơ:", sheet.dossier_code),
        ("Mã loại giấy tờ:", sheet.type_code),
        ("Tên giấy tờ:", sheet.name),
        ("Loại tài liệu:", KIND_LABELS[sheet.kind]),
    )
    for label, value in rows:
        page.text(left, y, label, "serif-bold", 13)
        y = page.paragraph(left + 42 * MM, y, value, page.width - left - 42 * MM - 25 * MM, "serif", 13)
        y -= 2 * MM
    page.line(25 * MM, 25 * MM, page.width - 25 * MM, 25 * MM)
    page.text(centre, 19 * MM, "sohoa — số hóa hồ sơ tại Bộ phận Một cửa", "sans", 9, "center")
