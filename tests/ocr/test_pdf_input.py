"""PDFs as they came: born-digital pages kept as received (text exact, not rasterised), only image-only pages
OCR'd, drawings kept, PDF/A claimed only when every kept page can be PDF/A, hostile PDFs refused."""

from __future__ import annotations

import io
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pytest

from bench.synthetic import Degradation, make_page
from ingest.split import is_blank_page
from issuing.coversheet import make_cover_sheet, render_cover_sheet
from issuing.qr import find_cover_sheet
from ocr.api import DocumentOptions, ocr_document
from ocr.errors import UnusableInput
from ocr.inputs import decode_page, load_file, load_pages, probe_file
from tests.support import pdfs

pytestmark = pytest.mark.slow

BORN_DIGITAL_TEXT = "\n".join(pdfs.BORN_DIGITAL_LINES)


@pytest.fixture(scope="module")
def scan_page() -> bytes:
    """An image-only PDF page: a 300-dpi JPEG scan of regulation text with the two-column header."""
    page = make_page(0, Degradation(noise=3, jpeg_quality=90), seed=23, height_mm=110.0)
    height, width = page.degraded.shape[:2]
    return pdfs.scanned(page.degraded_jpeg(), width, height)


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _pdftotext(pdf: bytes, folder: Path, page: int) -> str:
    path = _write(folder, "out.pdf", pdf)
    done = subprocess.run(
        ["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8").rstrip("\f\n")


def _xobjects(pdf: bytes, page: int) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        resources = document.pages[page].obj.get("/Resources", pikepdf.Dictionary())
        xobjects = resources.get("/XObject", pikepdf.Dictionary())
        return [str(xobjects[key].get("/Subtype")) for key in xobjects.keys()]  # noqa: SIM118


def _claims_pdfa(pdf: bytes) -> bool:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return b"<pdfaid:part>2</pdfaid:part>" in document.Root.Metadata.read_bytes()


def test_a_born_digital_page_keeps_its_text_exactly_and_is_not_rasterised(tmp_path: Path) -> None:
    source = _write(tmp_path, "decision.pdf", pdfs.born_digital())
    assert probe_file(source) == [(0, 0)]  # no image to bound: the page is kept
    result = ocr_document(load_pages([source]), DocumentOptions(workers=1))
    assert result.text == BORN_DIGITAL_TEXT
    assert _pdftotext(result.pdf, tmp_path, 1) == BORN_DIGITAL_TEXT
    assert _xobjects(result.pdf, 0) == []  # no page image: the text is still text
    assert _claims_pdfa(result.pdf) and result.sidecar["pdfa"] is True
    assert result.sidecar["pages"][0]["kept_as_received"] is True and result.issues == []
    check = subprocess.run(["qpdf", "--check", str(_write(tmp_path, "check.pdf", result.pdf))], capture_output=True)
    assert check.returncode == 0, check.stdout


def test_fonts_shared_by_the_pages_of_a_born_digital_pdf_are_stored_once(tmp_path: Path) -> None:
    data = pdfs.born_digital(pages=6)
    source = _write(tmp_path, "six.pdf", data)
    result = ocr_document(load_pages([source]), DocumentOptions(workers=1))
    assert result.text.split("\f") == [BORN_DIGITAL_TEXT] * 6
    with pikepdf.open(io.BytesIO(result.pdf)) as document:
        fonts = {
            (page.obj.Resources.Font[name].objgen)
            for page in document.pages
            for name in page.obj.Resources.Font.keys()  # noqa: SIM118
        }
    assert len(fonts) == 2  # serif and serif-bold, once each (each page travels alone until it is assembled)
    assert len(result.pdf) < 1.3 * len(data)


def test_a_mixed_pdf_keeps_page_one_and_ocrs_the_scanned_page_two(tmp_path: Path, scan_page: bytes) -> None:
    source = _write(tmp_path, "mixed.pdf", pdfs.merged(pdfs.born_digital(), scan_page))
    pages = load_pages([source])
    assert [page.fmt for page in pages] == ["pdf", "jpeg"]
    result = ocr_document(pages, DocumentOptions(workers=1))
    first, second = result.text.split("\f")
    assert first == BORN_DIGITAL_TEXT
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in second and "Số: 35/2022/QĐ-UBND" in second
    assert _pdftotext(result.pdf, tmp_path, 1) == BORN_DIGITAL_TEXT
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in _pdftotext(result.pdf, tmp_path, 2)
    assert _xobjects(result.pdf, 0) == [] and _xobjects(result.pdf, 1) == ["/Image"]
    assert [p["kept_as_received"] for p in result.sidecar["pages"]] == [True, False]


def test_a_drawing_is_kept_as_drawn(tmp_path: Path) -> None:
    source = _write(tmp_path, "plan.pdf", pdfs.drawing())
    (page,) = load_pages([source])
    assert (page.fmt, page.mode) == ("pdf", "drawing")
    result = ocr_document([page], DocumentOptions(workers=1))
    with pikepdf.open(io.BytesIO(result.pdf)) as document:
        (kept,) = document.pages
        assert kept.obj.Contents.read_bytes() == pdfs.DRAWING  # the paths themselves, not a picture of them
    assert _xobjects(result.pdf, 0) == [] and result.issues == []  # a drawing is not a blank page
    assert _claims_pdfa(result.pdf)


def test_text_turned_into_outlines_is_ocrd_and_grafted_as_an_invisible_layer(tmp_path: Path) -> None:
    """As OCRmyPDF grafts its layer: the drawing stays as drawn, OCR words are laid over it where they are."""
    source = _write(tmp_path, "outlined.pdf", pdfs.outlined(pdfs.born_digital()))
    (page,) = load_pages([source])
    assert (page.fmt, page.mode) == ("pdf", "drawing")
    result = ocr_document([page], DocumentOptions(workers=1))
    assert result.text == BORN_DIGITAL_TEXT  # a clean rendering reads back exactly
    assert _pdftotext(result.pdf, tmp_path, 1) == BORN_DIGITAL_TEXT
    assert _xobjects(result.pdf, 0) == [] and _claims_pdfa(result.pdf)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(_write(tmp_path, "grafted.pdf", result.pdf)), "-"], capture_output=True, check=True
    ).stdout.decode()
    first = boxes.split("<word ", 1)[1]
    x_min, y_min = (float(first.split(f'{key}="', 1)[1].split('"', 1)[0]) for key in ("xMin", "yMin"))
    assert abs(x_min - 25 * 72 / 25.4) < 3 and abs(y_min - 74.3) < 3  # where the line is printed, within 1 mm


def test_a_font_that_is_not_embedded_leaves_out_the_pdfa_claim(tmp_path: Path) -> None:
    source = _write(tmp_path, "letter.pdf", pdfs.merged(pdfs.born_digital(), pdfs.unembedded_font()))
    result = ocr_document(load_pages([source]), DocumentOptions(workers=1))
    assert result.text.split("\f") == [BORN_DIGITAL_TEXT, "Giay xac nhan cu tru"]
    assert not _claims_pdfa(result.pdf)
    assert result.sidecar["pdfa"] is False
    assert result.sidecar["pdfa_problems"] == ["page 2: font Helvetica is not embedded"]


def test_an_empty_page_among_others_is_blank_like_a_blank_scan(tmp_path: Path) -> None:
    source = _write(tmp_path, "two.pdf", pdfs.merged(pdfs.born_digital(), pdfs.empty()))
    result = ocr_document(load_pages([source]), DocumentOptions(workers=1, drop_blank=True))
    assert result.page_count == 1 and result.text == BORN_DIGITAL_TEXT
    assert [(i.page, str(i.verdict)) for i in result.issues] == [(2, "blank")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (pdfs.empty(), "no text, image or drawing on any page"),
        (pdfs.with_javascript(pdfs.born_digital()), "JavaScript"),
    ],
    ids=["nothing-on-the-page", "javascript"],
)
def test_refused_pdfs(tmp_path: Path, data: bytes, reason: str) -> None:
    source = _write(tmp_path, "in.pdf", data)
    for read in (load_pages, lambda paths: probe_file(paths[0])):
        with pytest.raises(UnusableInput, match=reason):
            read([source])


def test_a_content_stream_bomb_on_a_text_page_is_refused_before_parsing(tmp_path: Path) -> None:
    with pikepdf.open(io.BytesIO(pdfs.born_digital())) as pdf:
        bomb = pikepdf.Stream(pdf, zlib.compress(b"0 0 m " + bytes(64 * 1024 * 1024), 9))
        bomb.Filter = pikepdf.Name.FlateDecode
        pdf.pages[0].obj.Contents = pikepdf.Array([pdf.pages[0].obj.Contents, bomb])
        path = tmp_path / "bomb.pdf"
        pdf.save(path)
    with pytest.raises(UnusableInput, match="inflates beyond"):
        probe_file(path)


def test_kept_pages_are_rendered_for_the_qr_and_blank_splits(tmp_path: Path) -> None:
    """A cover sheet sent as the PDF `sohoa coversheet` writes (vector QR code), a text page, an empty page."""
    sheet = render_cover_sheet(make_cover_sheet("000.00.00.H30-261130-0001", "GKS", "Giấy khai sinh"))
    source = _write(tmp_path, "batch.pdf", pdfs.merged(sheet, pdfs.born_digital(), pdfs.empty()))
    pixels = [decode_page(page) for page in load_file(source)]
    found = [find_cover_sheet(image) for image in pixels]
    assert found[0] is not None and found[0].name == "Giấy khai sinh" and found[1:] == [None, None]
    assert [is_blank_page(image) for image in pixels] == [False, False, True]
