"""Pages that other generators showed to be hard, processed by real Tesseract: a bold upper-case heading keeps its
diacritics, a signature block under a red seal reads correctly, a skewed sheet on a dark scanner lid is archived
at its paper size (A4 at 100%) with no border left.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.docgen import font, pen_signature, seal
from bench.synthetic import normalise_text, render_page, seed_paragraphs
from core.types import RESCAN_VERDICTS
from ocr.inputs import load_pages
from ocr.models import OcrOptions, PageResult
from ocr.page import process_page

DPI = 300
PAPER = (244, 242, 236)
INK = (22, 22, 26)
HEADINGS = ("QUY ĐỊNH VỀ THỦ TỤC HÀNH CHÍNH", "TỈNH ĐIỆN BIÊN", "CHỦ TỊCH ỦY BAN NHÂN DÂN")
SIGNATURE = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn Thắng")

pytestmark = pytest.mark.slow


def mm(value: float) -> int:
    return round(value / 25.4 * DPI)


def run(tmp_path: Path, name: str, rgb: np.ndarray, **options: str) -> PageResult:
    path = tmp_path / f"{name}.jpg"
    Image.fromarray(rgb).save(path, "JPEG", quality=88, dpi=(DPI, DPI))
    return process_page(load_pages([path])[0], OcrOptions(**options), 1)


def lines_of(result: PageResult) -> list[str]:
    return [normalise_text(line) for line in result.text.splitlines()]


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract"])
@pytest.mark.parametrize("family", ["liberation-serif", "dejavu-sans"])
def test_bold_upper_case_heading_keeps_its_diacritics(tmp_path: Path, family: str, engine: str) -> None:
    """With both engines and the default language (vie). With vie+eng both read 'TINH QUANG TRI' in Liberation
    Serif Bold, and PyPI's tesserocr wheel (libtesseract 5.5.4) did even in a rendered PDF (docs/ocr.md)."""
    image = Image.new("RGB", (mm(190), mm(60)), PAPER)
    draw = ImageDraw.Draw(image)
    bold = font(family, round(13 / 72 * DPI), bold=True)
    for n, text in enumerate(HEADINGS):
        draw.text((mm(95), mm(8) + n * mm(14)), text, font=bold, fill=INK, anchor="ma")
    result = run(tmp_path, family, np.asarray(image), engine=engine)
    assert lines_of(result) == list(HEADINGS)


def test_signature_block_under_a_red_seal_reads_correctly(tmp_path: Path) -> None:
    image = Image.new("RGB", (mm(100), mm(75)), PAPER)
    draw = ImageDraw.Draw(image)
    bold = font("liberation-serif", round(13 / 72 * DPI), bold=True)
    tops = (mm(6), mm(13), mm(52))
    for text, top in zip(SIGNATURE, tops, strict=True):
        draw.text((mm(50), top), text, font=bold, fill=INK, anchor="ma")
    rng = np.random.default_rng(5)
    rgb = pen_signature(np.asarray(image).copy(), rng, (mm(10), mm(22), mm(90), mm(50)))
    rgb = seal(rgb, rng, (mm(38), mm(30)), DPI, "ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN")
    covered = rgb[mm(6) : mm(20), mm(20) : mm(55)]
    assert (covered[..., 0].astype(int) - covered[..., 1] > 80).mean() > 0.01  # the seal does cover the block
    result = run(tmp_path, "seal", rgb)
    assert lines_of(result) == list(SIGNATURE)


def a4_text_page() -> tuple[np.ndarray, str]:
    image, truth = render_page(seed_paragraphs()[10:50], dpi=DPI)
    return image, truth


def test_skewed_scan_with_dark_borders_is_archived_at_paper_size(tmp_path: Path) -> None:
    sheet, truth = a4_text_page()
    h, w = sheet.shape[:2]
    bed_w, bed_h = w + mm(16), h + mm(16)  # a scanner bed larger than the sheet, its lid dark grey
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 2.5, 1.0)
    matrix[0, 2] += (bed_w - w) / 2
    matrix[1, 2] += (bed_h - h) / 2
    scan = cv2.warpAffine(sheet, matrix, (bed_w, bed_h), flags=cv2.INTER_LINEAR, borderValue=(48, 48, 52))
    scan = np.clip(scan + np.random.default_rng(3).normal(0, 4, scan.shape[:2])[..., None], 0, 255).astype(np.uint8)
    result = run(tmp_path, "lid", scan)
    archived = np.asarray(Image.open(io.BytesIO(result.image.data)).convert("L"))  # an MRC page: its background
    assert (result.image.height, result.image.width) == (mm(297), mm(210))  # A4 at 300 dpi: 210 x 297 mm at 100%
    assert result.image.dpi == (DPI, DPI)
    assert archived.shape[::-1] == (result.image.pixels if result.image.mask else (mm(210), mm(297)))
    edges = [archived[:8], archived[-8:], archived[:, :8], archived[:, -8:]]
    assert min(float(edge.min()) for edge in edges) > 150  # no dark lid left on any side
    assert normalise_text(truth).split()[-12:] == normalise_text(result.text).split()[-12:]


def dirty_drum(rgb: np.ndarray, rng: np.random.Generator, bands: int = 6) -> np.ndarray:
    """Vertical bands of grey speckle, as a dirty scanner drum leaves them (augraphy's DirtyDrum, simplified)."""
    h, w = rgb.shape[:2]
    dirt = np.zeros((h, w), np.float32)
    for _ in range(bands):
        x0, width = int(rng.integers(0, w - 80)), int(rng.integers(30, 80))
        specks = rng.random((h, width)) < 0.1
        dirt[:, x0 : x0 + width] = np.maximum(dirt[:, x0 : x0 + width], specks * rng.uniform(0.4, 0.9, (h, width)))
    dirt = cv2.GaussianBlur(cv2.dilate(dirt, np.ones((2, 2), np.uint8)), (0, 0), 0.8)
    return (rgb.astype(np.float32) * (1 - np.clip(dirt, 0, 1))[..., None]).astype(np.uint8)


def test_a_blank_sheet_with_drum_streaks_is_to_rescan_with_no_invented_text(tmp_path: Path) -> None:
    sheet = np.full((mm(160), mm(190), 3), 240, np.uint8)
    result = run(tmp_path, "streaks", dirty_drum(sheet, np.random.default_rng(3)))
    assert any(verdict in RESCAN_VERDICTS for verdict, _ in result.verdicts), result.verdicts
    assert result.text == "" and not result.words
