"""The PDF/A-2b: structure (qpdf), XMP and output intent, image resolution, text layer placed on the words."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from html import unescape as html_unescape
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from core.types import DocumentInfo
from ocr.pdf import assemble_pdf
from tests.ocr.scans import Case

pytestmark = pytest.mark.slow

INFO = DocumentInfo(
    title="Quyết định ban hành quy chế",
    dossier_code="000.00.12.H30-221031-0001",
    type_code="QD",
    owner_id="079203001234",
    digitised_at=dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))),
)
PAGES = ("clean", "skew4", "rot180", "blank")


@pytest.fixture(scope="module")
def pdf_path(cases: dict[str, Case], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "document.pdf"
    path.write_bytes(assemble_pdf([cases[name].result for name in PAGES], INFO))
    return path


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, check=True, text=True, encoding="utf-8").stdout


def test_qpdf_check_passes(pdf_path: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(pdf_path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_xmp_declares_pdfa2b_with_sohoa_fields(pdf_path: Path) -> None:
    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "2B"
        assert meta["dc:title"] == INFO.title
        xmp = bytes(pdf.Root.Metadata.read_raw_bytes()).decode("utf-8")
        assert "/Filter" not in pdf.Root.Metadata.stream_dict
        assert str(pdf.docinfo["/Title"]) == INFO.title
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert int(intent.DestOutputProfile.N) == 3
        icc = intent.DestOutputProfile.read_bytes()
        assert icc[8] <= 4 and icc[12:16] == b"mntr" and icc[16:20] == b"RGB "  # what ISO 19005-2 6.2.3 accepts
        assert len(pdf.pages) == len(PAGES)
    for value in (
        "000.00.12.H30-221031-0001",
        "<sohoa:DocumentTypeCode>QD<",
        "079203001234",
        "2026-11-22T09:30:00+07:00",
    ):
        assert value in xmp
    assert "<sohoa:PageCount>4</sohoa:PageCount>" in xmp
    assert "pdfaExtension:schemas" in xmp


def test_images_at_least_200_ppi_and_fonts_embedded(pdf_path: Path) -> None:
    rows = [line.split() for line in run("pdfimages", "-list", str(pdf_path)).splitlines()[2:]]
    images = [row for row in rows if row[2] == "image"]
    assert len(images) == len(PAGES)
    assert {row[5] for row in images} == {"rgb"}
    # mixed raster content: the re-encoded text pages (not the untouched JPEG, not the blank) carry their print as a
    # mask at the scan's resolution over a 150-ppi background; every other page image keeps the scan's
    masks = [row for row in rows if row[2] == "stencil"]
    assert [int(row[0]) for row in masks] == [PAGES.index("skew4") + 1, PAGES.index("rot180") + 1]
    assert all(int(row[12]) >= 300 and int(row[13]) >= 300 for row in masks)
    layered = {row[0] for row in masks}
    assert all(int(row[12]) >= (150 if row[0] in layered else 200) for row in images)
    fonts = run("pdffonts", str(pdf_path)).splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts)


def test_pdftotext_finds_vietnamese_sentence_in_nfc(pdf_path: Path, cases: dict[str, Case]) -> None:
    text = run("pdftotext", "-raw", "-enc", "UTF-8", str(pdf_path), "-")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert unicodedata.is_normalized("NFC", text)
    body_line = cases["clean"].synthetic.truth.splitlines()[6]
    assert " ".join(body_line.split()[:6]) in " ".join(text.split())


def test_text_layer_words_sit_on_the_image_words(pdf_path: Path, cases: dict[str, Case]) -> None:
    """Each word pdftotext finds on page 1 starts where the OCR box of a word with that text starts."""
    html = run("pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf_path), "-")
    found = [
        (unicodedata.normalize("NFC", html_unescape(m[5])), float(m[1]), float(m[2]), float(m[4]))
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]
    words = cases["clean"].result.words
    assert len(found) == len(words)
    scale = 72 / 300
    placed = 0
    for text, x0, y0, y1 in found:
        centre = (y0 + y1) / 2
        placed += any(
            w.text == text
            and abs(x0 - w.left * scale) < 1.0
            and w.line_box[1] * scale - 1 <= centre <= (w.line_box[1] + w.line_box[3]) * scale + 1
            for w in words
        )
    assert placed == len(found)


def test_bilevel_page_is_a_one_bit_image(cases: dict[str, Case], tmp_path: Path) -> None:
    path = tmp_path / "bilevel.pdf"
    path.write_bytes(assemble_pdf([cases["bilevel"].result], INFO))
    assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True, check=False).returncode == 0
    (row,) = [line.split() for line in run("pdfimages", "-list", str(path)).splitlines()[2:]]
    assert (row[5], row[7], row[8], int(row[12])) == ("gray", "1", "ccitt", 300)
    subprocess.run(["pdftoppm", "-gray", "-r", "75", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    rendered = np.asarray(Image.open(tmp_path / "page.pgm"))
    assert np.median(rendered) == 255  # white paper, black text: not inverted
    assert rendered.min() == 0
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in run("pdftotext", "-raw", str(path), "-")
