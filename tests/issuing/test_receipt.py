"""The dossier receipt: rendered by poppler, its QR read back by OpenCV, its Vietnamese text extracted."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import pikepdf
import pytest

from core.identifiers import InvalidIdentifier
from core.timezone import VN_TZ
from core.types import Actor, DocumentKind, Role
from issuing.calendar import UnknownProcedure, load_calendar, load_procedures
from issuing.qr import RECEIPT_PAPER_NAME, decode_receipt, find_qr_codes
from issuing.receipt import Receipt, ReceiptComponent, build_receipt, render_receipt
from issuing.settings import DATA_DIR
from tests.issuing.paperwork_support import pdf_text, qpdf_check, render_pages, scan_like

ISSUED = dt.datetime(2026, 3, 6, 16, 52, 7, tzinfo=VN_TZ)
COMPONENTS = [
    ReceiptComponent("Tờ khai đăng ký khai sinh", "bản chính"),
    ReceiptComponent("Giấy chứng sinh", "bản chính"),
    ReceiptComponent("Giấy chứng nhận kết hôn của cha mẹ", "bản sao có chứng thực", 2),
]


def _receipt(**changes: object) -> Receipt:
    receipt, _ = build_receipt(
        agency_name="Trung tâm Phục vụ hành chính công tỉnh Quảng Trị",
        dossier_code="000.00.00.H30-260306-0007",
        procedure_code="1.000001.000.00.00.H30",
        owner_name="Nguyễn Thị Ngọc Ánh",
        owner_id="045190001234",
        components=COMPONENTS,
        received_at=dt.datetime(2026, 3, 6, 16, 50, tzinfo=VN_TZ),
        calendar=load_calendar(DATA_DIR / "calendar_vn.toml"),
        procedures=load_procedures(DATA_DIR / "procedures.toml"),
        parent_agency="UBND tỉnh Quảng Trị",
        place="Quảng Trị",
        officer_name="Trần Văn Bình",
        result_delivery="Bộ phận Một cửa",
    )
    return Receipt(**{**receipt.__dict__, "issued_at": ISSUED, **changes})


@pytest.fixture(scope="module")
def receipt_pdf() -> bytes:
    return render_receipt(_receipt(), issuing_system="sohoa-qt")


@pytest.mark.parametrize("dpi", [200, 300])
def test_the_qr_read_back_from_the_rendered_page_holds_the_fields(receipt_pdf: bytes, dpi: int) -> None:
    page = render_pages(receipt_pdf, dpi)[0]
    hits = find_qr_codes(page)
    assert len(hits) == 1
    payload = decode_receipt(hits[0].text)
    assert payload.dossier_code == "000.00.00.H30-260306-0007"
    assert payload.procedure_code == "1.000001.000.00.00.H30"
    assert payload.owner_id == "045******234"
    assert payload.paper_name == RECEIPT_PAPER_NAME
    assert payload.issuing_system == "sohoa-qt"
    assert payload.issued_at == ISSUED
    assert payload.appointment_at == dt.datetime(2026, 3, 10, 13, 30, tzinfo=VN_TZ)
    # The code sits top-left: all its corners in the upper-left quarter of the page.
    height, width = page.shape[:2]
    assert all(x < width / 3 and y < height / 4 for x, y in hits[0].corners)


def test_the_qr_is_read_from_a_scan_of_the_printed_receipt(receipt_pdf: bytes) -> None:
    page = scan_like(render_pages(receipt_pdf, 300)[0], angle=1.5, jpeg_quality=50, noise=6.0, paper=238)
    payload = decode_receipt(find_qr_codes(page)[0].text)
    assert payload.dossier_code == "000.00.00.H30-260306-0007"


def test_the_text_is_vietnamese_with_times_and_papers(receipt_pdf: bytes) -> None:
    text = " ".join(pdf_text(receipt_pdf).split())
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 000.00.00.H30-260306-0007",
        "TRUNG TÂM PHỤC VỤ HÀNH",  # the agency name in capitals, wrapped beside the motto
        "Nguyễn Thị Ngọc Ánh",
        "045******234",
        "1.000001.000.00.00.H30",
        "Giấy chứng nhận kết hôn của cha mẹ (bản sao có chứng thực, số lượng: 02)",
        "8 giờ làm việc",
        "Thời gian nhận hồ sơ: 16 giờ 50 phút, ngày 06/03/2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 13 giờ 30 phút, ngày 10/03/2026",
        "Quảng Trị, ngày 06 tháng 03 năm 2026",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Trần Văn Bình",
    ):
        assert expected in text, expected
    assert "045190001234" not in text  # masked on paper by default


def test_the_pdf_is_well_formed_with_embedded_fonts(receipt_pdf: bytes) -> None:
    assert qpdf_check(receipt_pdf).returncode == 0
    with pikepdf.open(io.BytesIO(receipt_pdf)) as document:
        assert "Giấy tiếp nhận hồ sơ" in str(document.docinfo["/Title"])
        fonts = document.pages[0].resources.Font
        for key in fonts.keys():  # noqa: SIM118
            assert "/FontFile2" in fonts[key].DescendantFonts[0].FontDescriptor


def test_the_owner_id_can_be_printed_in_clear() -> None:
    pdf = render_receipt(_receipt(), owner_id_on_paper="clear")
    assert "045190001234" in pdf_text(pdf)
    payload = decode_receipt(find_qr_codes(render_pages(pdf, 200)[0])[0].text)
    assert payload.owner_id == "045190001234"


def test_a_long_list_of_papers_flows_onto_a_second_page() -> None:
    many = [ReceiptComponent(f"Giấy tờ kèm theo số {n} của hồ sơ đề nghị", "bản sao") for n in range(1, 41)]
    pdf = render_receipt(_receipt(components=many))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 2
    text = pdf_text(pdf)
    assert "40. Giấy tờ kèm theo số 40" in text and "NGƯỜI NỘP HỒ SƠ" in text


def test_bad_codes_are_refused() -> None:
    with pytest.raises(InvalidIdentifier, match="dossier code"):
        render_receipt(_receipt(dossier_code="H30-1"))
    with pytest.raises(UnknownProcedure):
        build_receipt(
            agency_name="UBND xã",
            dossier_code="000.00.00.H30-260306-0007",
            procedure_code="1.999999.000.00.00.H30",
            owner_name="A",
            owner_id="045190001234",
            components=[],
            received_at=ISSUED,
            calendar=load_calendar(DATA_DIR / "calendar_vn.toml"),
            procedures=load_procedures(DATA_DIR / "procedures.toml"),
        )


def test_the_papers_are_listed_in_the_order_the_counter_declared_them(tmp_path: Path) -> None:
    """Walked 2026-11-30 night: the receipt listed the papers as the vault attached them (the documents of one
    batch are stored in parallel), which read as alphabetical, not in the order scanned."""
    from issuing.receipt import dossier_receipt

    attached = dt.datetime(2026, 11, 30, 22, 0)  # naive, as SQLite returns it
    batch = dt.datetime(2026, 11, 30, 21, 59, tzinfo=dt.UTC)

    def paper(document_id: str, name: str, minutes: int = 0) -> SimpleNamespace:
        document = SimpleNamespace(id=document_id, name=name, kind=DocumentKind.COMPONENT)
        when = attached + dt.timedelta(minutes=minutes)
        return SimpleNamespace(document=document, component_name=None, reused=False, attached_at=when)

    linked = [paper("a", "Bản sao sổ hộ khẩu"), paper("b", "Căn cước"), paper("c", "Đơn đề nghị"), paper("d", "Ảnh", 5)]
    vault = SimpleNamespace(
        ensure_owner=lambda owner_id: SimpleNamespace(display_name="Nguyễn Thị Lan"),
        dossier_documents=lambda code, actor: linked,
    )
    dossier = SimpleNamespace(
        code="000.00.00.H30-261130-0042",
        owner_id="045190001234",
        agency_code="000.00.00.H30",
        procedure_code="1.000001.000.00.00.H30",
        received_at=dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC),
    )
    order = {"c": (batch, 0), "b": (batch, 1), "a": (batch, 2)}  # "d" was not scanned: attached after the batch
    actor = Actor(role=Role.HANDLER, subject="h", agency_code="000.00.00.H30")
    calendar, procedures = load_calendar(DATA_DIR / "calendar_vn.toml"), load_procedures(DATA_DIR / "procedures.toml")
    receipt, _ = dossier_receipt(
        vault,
        dossier,
        actor,
        calendar=calendar,
        procedures=procedures,
        order=order,  # type: ignore[arg-type]
    )
    names = [component.name for component in receipt.components]
    assert names == ["Đơn đề nghị", "Căn cước", "Bản sao sổ hộ khẩu", "Ảnh"]
    pdf = render_receipt(receipt)
    (tmp_path / "receipt.pdf").write_bytes(pdf)
    text = pdf_text(pdf)
    assert text.index("Đơn đề nghị") < text.index("Căn cước") < text.index("Bản sao sổ hộ khẩu") < text.index("Ảnh")
