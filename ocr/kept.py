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
    "drawing": "drawing kept as received: its text read by OCR from a rendering (an invisible layer where it fits)",
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


def _facts(data: bytes) -> tuple[tuple[str, ...], bool]:
    """Why the page cannot be PDF/A, and whether a rendering of it maps onto its user space by a scale alone
    (media box at the origin, no crop box of its own, not rotated): only then can a text layer be grafted."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        box = [float(v) for v in page.mediabox]
        crop = page.obj.get("/CropBox")
        plain = box[:2] == [0.0, 0.0] and int(page.obj.get("/Rotate", 0)) % 360 == 0
        plain = plain and (crop is None or [float(v) for v in crop] == box)
        return tuple(pdfa_problems(page, page_content(page))), plain


def _untouched(read: PageResult, rendered: PageImage) -> bool:
    """OCR words are in the rendering's pixels: cleanup neither turned, deskewed nor cropped it, and fitting it to
    the paper size moved it by at most a pixel or two (2481 → 2480 px for A4 at 300 dpi)."""
    size = abs(read.image.width - rendered.width) <= 2 and abs(read.image.height - rendered.height) <= 2
    cleanup = read.cleanup
    full = cleanup.crop == (0, 0, rendered.width, rendered.height)
    return size and full and cleanup.rotation == 0 and abs(cleanup.skew) < 0.05


def kept_result(
    page: PageImage, number: int, read: PageResult | None = None, rendered: PageImage | None = None
) -> PageResult:
    """The page result of a kept page (`page.fmt == "pdf"`, `page.mode` what it carries); `read` is the OCR of
    its `rendered` image, for a drawing. Its 'image' is the one-page PDF itself, sized in points at 72 dpi, or, for
    a drawing whose OCR words can be grafted on it as an invisible text layer, in the rendering's pixels and dpi."""
    problems, plain = _facts(page.data)
    graft = read is not None and rendered is not None and plain and _untouched(read, rendered)
    if graft and read is not None and rendered is not None:
        image = ArchivalImage(page.data, "pdf", read.image.width, read.image.height, "", rendered.dpi)
    else:
        image = ArchivalImage(page.data, "pdf", page.width, page.height, "", (72.0, 72.0))
    kind = page.mode
    read_text = read.text if read is not None else ""
    text = page_text(page.data) if kind == "text" else read_text
    # a drawing is never blank, however little ink it has: only a page with nothing on it is
    verdicts = ((PageVerdict.BLANK, "blank page: no text, image or drawing on it"),) if kind == "empty" else ()
    return PageResult(
        number=number,
        source=f"{page.source}#{page.number_in_source}",
        image=image,
        words=read.words if graft and read is not None else (),
        text=text,
        verdicts=verdicts,
        cleanup=Cleanup(),
        mean_confidence=read.mean_confidence if read is not None else 0.0,
        ink_fraction=read.ink_fraction if read is not None else 0.0,
        notes=(NOTES.get(kind, NOTES["text"]),),
        pdfa_problems=problems,
        print=read.print if read is not None else None,  # a scan inside a PDF: its rendering's print
    )
