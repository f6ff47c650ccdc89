"""A PDF page kept as received (born digital: text or a drawing): its text from the PDF, a drawing's text read by
OCR for search only, the blank verdict for an empty page, and why it cannot be PDF/A. Nothing in it is changed.
"""

from __future__ import annotations

import io
import math

import pikepdf
from PIL import Image

from core.types import PageVerdict
from ocr.models import ArchivalImage, Cleanup, PageImage, PageResult
from ocr.pdfcontent import page_content, pdfa_problems
from ocr.poppler import page_text, render_png
from ocr.settings import ocr_settings

RENDER_DPI = 300
NOTES = {
    "text": "born-digital page kept as received: its text comes from the PDF, no OCR",
    "drawing": "drawing kept as received: its text was read by OCR from a rendering, for search only",
    "empty": "empty page kept as received",
}


def rendering(page: PageImage, dpi: int = RENDER_DPI) -> PageImage:
    """The kept page rendered in grey at `dpi`, or less on a page so large that `dpi` would pass the pixel limit."""
    square_inches = (page.width / 72) * (page.height / 72)
    dpi = max(10, min(dpi, int(math.sqrt(ocr_settings().max_pixels / max(square_inches, 1e-6)))))
    png = render_png(page.data, dpi)
    image = Image.open(io.BytesIO(png))
    mode = image.mode if image.mode in ("L", "RGB") else "RGB"
    return PageImage(page.source, page.number_in_source, png, "png", *image.size, mode, (float(dpi), float(dpi)))


def _pdfa_problems(data: bytes) -> tuple[str, ...]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        return tuple(pdfa_problems(page, page_content(page)))


def kept_result(page: PageImage, number: int, read: PageResult | None = None) -> PageResult:
    """The page result of a kept page (`page.fmt == "pdf"`, `page.mode` what it carries); `read` is the OCR of
    its rendering, for a drawing. Its 'image' is the one-page PDF itself, sized in points."""
    kind = page.mode
    read_text = read.text if read is not None else ""
    text = page_text(page.data) if kind == "text" else read_text
    # a drawing is never blank, however little ink it has: only a page with nothing on it is
    verdicts = ((PageVerdict.BLANK, "blank page: no text, image or drawing on it"),) if kind == "empty" else ()
    return PageResult(
        number=number,
        source=f"{page.source}#{page.number_in_source}",
        image=ArchivalImage(page.data, "pdf", page.width, page.height, "", (72.0, 72.0)),
        words=(),
        text=text,
        verdicts=verdicts,
        cleanup=Cleanup(),
        mean_confidence=read.mean_confidence if read is not None else 0.0,
        ink_fraction=read.ink_fraction if read is not None else 0.0,
        notes=(NOTES.get(kind, NOTES["text"]),),
        pdfa_problems=_pdfa_problems(page.data),
    )
