"""Mixed raster content of the archival page (`ocr.mrc`): the print as a G4 mask over a JPEG without it, checked on
what a viewer shows (the PDF from `ocr.pdf` rendered by Poppler): the seal stays red, the pen blue, the print dark
and legible to Tesseract, for fewer bytes than one JPEG; a photograph stays one JPEG.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.docgen import font, pen_signature, seal
from bench.synthetic import normalise_text
from core.types import DocumentInfo
from ocr.archive import ccitt_g4, encode_archival
from ocr.inputs import load_pages
from ocr.models import ArchivalImage, Cleanup, OcrOptions, PageImage, PageResult
from ocr.mrc import print_mask, print_removed
from ocr.page import process_page
from ocr.pdf import assemble_pdf

DPI = 300
PAPER = (244, 242, 236)
INK = (22, 22, 26)
SIGNATURE = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn Thắng")


def mm(value: float) -> int:
    return round(value / 25.4 * DPI)


def signed_block() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A signature block under a red seal with a blue pen signature, and where the seal's and the pen's ink are."""
    image = Image.new("RGB", (mm(100), mm(75)), PAPER)
    draw = ImageDraw.Draw(image)
    bold = font("liberation-serif", round(13 / 72 * DPI), bold=True)
    for text, top in zip(SIGNATURE, (mm(6), mm(13), mm(52)), strict=True):
        draw.text((mm(50), top), text, font=bold, fill=INK, anchor="ma")
    printed = np.asarray(image).copy()
    rng = np.random.default_rng(5)
    signed = pen_signature(printed.copy(), rng, (mm(10), mm(22), mm(90), mm(50)))
    sealed = seal(signed.copy(), rng, (mm(38), mm(30)), DPI, "ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN")
    plain = (printed.astype(int).sum(axis=2) > 600)[..., None]
    noise = np.random.default_rng(3).normal(0, 4, sealed.shape[:2])[..., None]
    scan = np.clip(sealed + noise, 0, 255).astype(np.uint8)
    seal_ink = (sealed != signed).any(axis=2) & plain[..., 0] & ((sealed[..., 0].astype(int) - sealed[..., 1]) > 100)
    pen_ink = (signed != printed).any(axis=2) & (sealed == signed).all(axis=2)
    return scan, seal_ink, pen_ink


def archived(rgb: np.ndarray, mixed: bool = True) -> ArchivalImage:
    page = PageImage("block", 1, b"", "png", rgb.shape[1], rgb.shape[0], "RGB", (DPI, DPI))
    return encode_archival(rgb, page, (DPI, DPI), 75, untouched=False, mixed=mixed)


def shown(tmp_path: Path, image: ArchivalImage) -> np.ndarray:
    """The archived page as Poppler renders its PDF at the scan's resolution."""
    result = PageResult(1, "block", image, (), "", (), Cleanup(), 0.0, 0.0)
    (tmp_path / "page.pdf").write_bytes(assemble_pdf([result], DocumentInfo(title="MRC")))
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "page.pdf", "shown"], cwd=tmp_path, check=True)
    return np.asarray(Image.open(next(tmp_path.glob("shown*.png"))).convert("RGB"))


def test_seal_and_pen_keep_their_colour_and_the_print_is_a_mask(tmp_path: Path) -> None:
    scan, seal_ink, pen_ink = signed_block()
    mixed, one = archived(scan), archived(scan, mixed=False)
    assert mixed.mask and len(mixed.ink) == 3 and max(mixed.ink) < 80  # the print's dark ink colour
    assert len(mixed.data) + len(mixed.mask) < len(one.data)  # (a full page: ≈0.3×, docs/ocr.md)
    view = shown(tmp_path, mixed).astype(int)
    assert view.shape == scan.shape
    red = view[seal_ink]
    assert float(np.median(red[:, 0] - red[:, 1])) > 60  # still red (the paper: 2; thin lines soften at 150 ppi)
    blue = view[pen_ink]
    assert float(np.median(blue[:, 2] - blue[:, 0])) > 40  # the pen signature is still blue
    print_ink = (scan.astype(int).sum(axis=2) < 150) & ~seal_ink & ~pen_ink
    assert float(np.median(view[print_ink].max(axis=1))) < 80  # the print still dark


@pytest.mark.slow
def test_archived_block_reads_as_well_as_the_scan(tmp_path: Path) -> None:
    """Legibility: the rendered archive of the seal-covered block, read by the page pipeline, gives its lines."""
    scan, _, _ = signed_block()
    view = shown(tmp_path, archived(scan))
    path = tmp_path / "view.png"
    Image.fromarray(view).save(path, dpi=(DPI, DPI))
    result = process_page(load_pages([path])[0], OcrOptions(lang="vie"), 1)
    assert [normalise_text(line) for line in result.text.splitlines()] == list(SIGNATURE)


def test_a_photograph_stays_one_jpeg() -> None:
    """Many mid-tones (a portrait, a picture): no print mask, so nothing is posterised into two levels."""
    h, w = mm(60), mm(80)
    ys, xs = np.mgrid[0:h, 0:w]
    face = 128 + 90 * np.sin(xs / 90.0) * np.cos(ys / 70.0)
    rgb = np.stack([face, face * 0.8, face * 0.6], axis=2)
    rgb = np.clip(rgb + np.random.default_rng(1).normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)
    rgb = cv2.GaussianBlur(rgb, (0, 0), 2)
    image = archived(rgb)
    assert not image.mask and image.fmt == "jpeg"


def test_mixed_raster_can_be_turned_off() -> None:
    scan, _, _ = signed_block()
    assert not archived(scan, mixed=False).mask
    assert OcrOptions.from_settings(mixed_raster=False).mixed_raster is False


def test_print_colour_from_a_sample_of_the_strokes_is_their_median() -> None:
    """The print's colour comes from every third row and column of the strokes (docs/ocr.md, "Seventh round"):
    within 2 levels of the median of all of them, on the seal-covered block, the background unchanged."""
    scan, _, _ = signed_block()
    pixels = cv2.medianBlur(cv2.cvtColor(scan, cv2.COLOR_RGB2BGR), 3)
    mask = print_mask(scan, DPI)
    assert mask is not None
    background, ink = print_removed(pixels, mask, np.array(PAPER[::-1], np.uint8))
    core = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert np.abs(np.median(pixels[core], axis=0) - np.array(ink)).max() <= 2
    assert max(ink) < 80 and (background[mask] == PAPER[::-1]).all()


def test_the_print_mask_is_the_stencil_of_the_print() -> None:
    """The G4 stencil is the print mask as 0 (print) / 255 (paper), made 8-bit straight away ("Ninth round")."""
    scan, _, _ = signed_block()
    image = archived(scan)
    mask = print_mask(scan, DPI)
    assert mask is not None and image.mask == ccitt_g4(np.where(mask, 0, 255).astype(np.uint8))
