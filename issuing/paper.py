"""The layout the agency's papers share (receipt, notices): QR top-left, agency and national motto, place and date,
and `Flow`, lines written downwards onto new pages as needed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.timezone import to_vn
from issuing.pdfdraw import MM, PageCanvas, PdfDocument

QR_SIZE_MM = 35
BOTTOM_MM = 22


@dataclass(frozen=True)
class Heading:
    """Who issues the paper: the agency, its parent (printed above it) and the place before the date."""

    agency_name: str
    parent_agency: str = ""
    place: str = ""


def when_vi(moment: dt.datetime) -> str:
    """'08 giờ 30 phút, ngày 01/12/2026' in Vietnam time."""
    moment = to_vn(moment)
    return f"{moment:%H} giờ {moment:%M} phút, ngày {moment:%d/%m/%Y}"


@dataclass
class Flow:
    """Lines written downwards, a new page when the bottom margin is reached."""

    doc: PdfDocument
    page: PageCanvas
    y: float
    left: float = 20 * MM
    right: float = 190 * MM

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM_MM * MM:
            self.page = self.doc.new_page()
            self.y = self.page.height - 20 * MM

    def para(self, text: str, size: float = 12, font: str = "serif", indent: float = 0) -> None:
        lines = self.page.wrap(text, self.right - self.left - indent, font, size)  # type: ignore[arg-type]
        for number, line in enumerate(lines):
            self.need(size * 1.4)
            hang = indent + (6 * MM if number else 0)
            self.page.text(self.left + hang, self.y, line, font, size)  # type: ignore[arg-type]
            self.y -= size * 1.4

    def labelled(self, label: str, value: str, size: float = 12) -> None:
        """'label value', the label in bold, the value wrapped after it (below it if the label is long)."""
        width = self.right - self.left
        label_width = self.page.text_width(label + " ", "serif-bold", size)
        if label_width > width / 2 and label_width + self.page.text_width(value, "serif", size) > width:
            self.para(label, size, "serif-bold")
            self.para(value, size, "serif", indent=6 * MM)
            return
        self.need(size * 1.4)
        self.page.text(self.left, self.y, label, "serif-bold", size)
        lines = self.page.wrap(value, self.right - self.left - label_width, "serif", size) or [""]
        for number, line in enumerate(lines):
            if number:
                self.need(size * 1.4)
            self.page.text(self.left + label_width, self.y, line, "serif", size)
            self.y -= size * 1.4


def paper_header(page: PageCanvas, heading: Heading, qr_text: str, issued: dt.datetime) -> float:
    """QR top-left, the agency (under its parent) and the national motto, the place and date; the y below them."""
    top = page.height - 15 * MM
    page.qr(15 * MM, top, QR_SIZE_MM * MM, qr_text, "M")
    agency_centre, agency_width = 83 * MM, 66 * MM
    y = top - 4 * MM
    if heading.parent_agency:
        for line in page.wrap(heading.parent_agency.upper(), agency_width, "serif", 11):
            page.text(agency_centre, y, line, "serif", 11, "center")
            y -= 14
    for line in page.wrap(heading.agency_name.upper(), agency_width, "serif-bold", 11):
        page.text(agency_centre, y, line, "serif-bold", 11, "center")
        y -= 14
    page.line(agency_centre - 15 * MM, y + 7, agency_centre + 15 * MM, y + 7)
    motto_centre = 155 * MM
    page.text(motto_centre, top - 4 * MM, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "serif-bold", 11, "center")
    page.text(motto_centre, top - 4 * MM - 15, "Độc lập - Tự do - Hạnh phúc", "serif-bold", 12, "center")
    page.line(motto_centre - 24 * MM, top - 4 * MM - 20, motto_centre + 24 * MM, top - 4 * MM - 20)
    place = f"{heading.place}, " if heading.place else ""
    dated = f"{place}ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}"
    page.text(motto_centre, top - 4 * MM - 40, dated, "serif-italic", 12, "center")
    return min(y, top - QR_SIZE_MM * MM) - 12 * MM


def qr_footer(page: PageCanvas, issuing_system: str, issued: dt.datetime) -> None:
    """The line at the foot of the first page saying what the QR is for and who issued it when."""
    page.text(
        20 * MM,
        14 * MM,
        f"Mã QR: tra cứu tình trạng hồ sơ theo mã hồ sơ. Cấp bởi hệ thống {issuing_system} "
        f"lúc {issued:%H:%M:%S %d/%m/%Y}.",
        "serif-italic",
        9,
    )
