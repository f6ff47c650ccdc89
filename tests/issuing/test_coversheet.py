"""Cover sheets: printed PDF (fonts, Vietnamese text), and found again by OpenCV in renders that look scanned."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import pikepdf
import pytest
import typer
from typer.testing import CliRunner

from core.types import DocumentKind
from issuing import cli as cli_paperwork
from issuing.coversheet import make_cover_sheet, render_cover_sheet
from issuing.qr import CoverSheetPayload, decode_cover_sheet, find_cover_sheet, find_qr_codes
from tests.issuing.paperwork_support import pdf_text, qpdf_check, render_pages, scan_like

DOSSIER = "000.00.00.H30-261122-0001"
NAME = "Giấy chứng nhận quyền sử dụng đất (bản sao có chứng thực)"


@pytest.fixture(scope="module")
def sheet() -> CoverSheetPayload:
    return make_cover_sheet(DOSSIER, "GCN-QSDD", NAME, DocumentKind.CERTIFIED_COPY)


@pytest.fixture(scope="module")
def sheet_pdf(sheet: CoverSheetPayload) -> bytes:
    return render_cover_sheet(sheet)


@pytest.fixture(scope="module")
def renders(sheet_pdf: bytes) -> dict[int, cv2.typing.MatLike]:
    return {dpi: render_pages(sheet_pdf, dpi)[0] for dpi in (200, 300)}


def test_the_sheet_is_one_a4_page_with_embedded_liberation_fonts(sheet_pdf: bytes) -> None:
    assert qpdf_check(sheet_pdf).returncode == 0
    with pikepdf.open(io.BytesIO(sheet_pdf)) as pdf:
        assert len(pdf.pages) == 1
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
        assert abs(width - 595.28) < 0.5 and abs(height - 841.89) < 0.5
        fonts = pdf.pages[0].resources.Font
        names = sorted(str(fonts[key].BaseFont) for key in fonts.keys())  # noqa: SIM118
        assert all("Liberation" in name for name in names), names
        for key in fonts.keys():  # noqa: SIM118
            descriptor = fonts[key].DescendantFonts[0].FontDescriptor
            assert "/FontFile2" in descriptor, f"{key} is not embedded"


def test_the_text_under_the_code_reads_back_with_its_diacritics(sheet_pdf: bytes) -> None:
    text = " ".join(pdf_text(sheet_pdf).split())
    assert "TỜ PHÂN CÁCH TÀI LIỆU SỐ HÓA" in text
    assert NAME in text
    assert DOSSIER in text
    assert "GCN-QSDD" in text
    assert "Bản sao điện tử chứng thực từ bản chính" in text


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_clean_render_is_detected_and_decoded(renders: dict[int, cv2.typing.MatLike], dpi: int) -> None:
    found = find_cover_sheet(renders[dpi])
    assert found == CoverSheetPayload(DOSSIER, "GCN-QSDD", NAME, DocumentKind.CERTIFIED_COPY)


@pytest.mark.parametrize(
    ("dpi", "distortion"),
    [
        (200, {"angle": 3.0}),
        (300, {"angle": -6.0}),
        (200, {"skew": 0.03}),
        (300, {"angle": 1.5, "skew": 0.02}),
        (200, {"jpeg_quality": 30, "noise": 12.0, "paper": 235}),
        (300, {"angle": 2.0, "skew": 0.02, "jpeg_quality": 40, "noise": 10.0, "paper": 240}),
    ],
)
def test_a_scan_like_render_is_detected(
    renders: dict[int, cv2.typing.MatLike], dpi: int, distortion: dict[str, float]
) -> None:
    page = scan_like(renders[dpi], **distortion)  # type: ignore[arg-type]
    found = find_cover_sheet(page)
    assert found is not None, f"not found at {dpi} dpi with {distortion}"
    assert found.dossier_code == DOSSIER and found.name == NAME


def test_a_colour_render_upside_down_is_detected(sheet_pdf: bytes) -> None:
    page = render_pages(sheet_pdf, 200, grey=False)[0]
    assert page.ndim == 3
    found = find_cover_sheet(cv2.rotate(page, cv2.ROTATE_180))
    assert found is not None and found.type_code == "GCN-QSDD"


def test_the_code_is_found_on_the_downscaled_page(renders: dict[int, cv2.typing.MatLike]) -> None:
    # The sheet's code is large on purpose: it must be readable from a ~600-pixel-high copy of the page.
    hits = find_qr_codes(renders[300], max_side=600)
    assert len(hits) == 1
    assert decode_cover_sheet(hits[0].text).name == NAME
    xs = [x for x, _ in hits[0].corners]
    assert 500 < min(xs) < max(xs) < 2000  # corners are given in full-resolution pixels


@pytest.mark.parametrize(
    ("dossier", "type_code", "name", "message"),
    [
        ("000.00.00.H30-261322-0001", "GKS", "Giấy khai sinh", "impossible date"),
        (DOSSIER, "G K S", "Giấy khai sinh", "type code"),
        (DOSSIER, "GKS", "   ", "document name"),
        (DOSSIER, "GKS", "x" * 201, "document name"),
    ],
)
def test_bad_fields_are_refused(dossier: str, type_code: str, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_cover_sheet(dossier, type_code, name)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    cli_paperwork.register(app)
    return app


def test_the_command_writes_a_sheet_that_decodes(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    args = ["coversheet", "--dossier", DOSSIER, "--type", "GKS", "--name", "Giấy khai sinh", "-o", str(target)]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    found = find_cover_sheet(render_pages(target.read_bytes(), 200)[0])
    assert found == CoverSheetPayload(DOSSIER, "GKS", "Giấy khai sinh")


def test_the_command_refuses_a_bad_code_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    args = ["coversheet", "--dossier", "H30-1", "--type", "GKS", "--name", "Giấy khai sinh", "-o", str(target)]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 2
    assert "dossier code" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_with_the_longest_name_is_still_found_on_a_scan_like_render() -> None:
    name = ("Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất " * 3)[:200]
    sheet = make_cover_sheet(DOSSIER, "GCN", name)
    page = scan_like(render_pages(render_cover_sheet(sheet), 200)[0], angle=2.0, jpeg_quality=40, noise=8.0)
    assert find_cover_sheet(page) == sheet
