"""Read a PDF's pages: a scanned page (images only) gives its largest image, as before; a page that carries
text or a drawing is kept as received, copied into a one-page PDF (its content and resources only: no
annotations, actions or form fields), to be put back into the archived PDF unchanged.

Every image of every page, kept or scanned, is bounded before any decoding (`_check_pdf_stream`), content
streams too (`ocr.pdfcontent`); a file with active content (JavaScript, launch actions, XFA...) is refused, and a
signed file (kept whole by the pipeline) also when it carries attached files.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path

import pikepdf
from pikepdf import PdfImage
from PIL import Image

from ocr.bounded import Malformed, inflated_size, raw_image_bytes
from ocr.errors import UnusableInput
from ocr.filecheck import PDF_ERRORS, check_pixels, encode_lossless, image_bytes, normalised_mode, open_image, why
from ocr.models import PageImage
from ocr.pdfcontent import PageContent, active_content, inherited, page_content, signature_count
from ocr.settings import OcrSettings

KEPT_KEYS = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate", "/UserUnit", "/Group")
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
NOTHING_ON_PAGES = "PDF has no text, image or drawing on any page"


def _page_images(page: pikepdf.Page) -> Iterator[PdfImage]:
    found = page.get_images() if hasattr(page, "get_images") else page.images  # pikepdf >= 10 / older
    for _name, raw in found.items():
        if not isinstance(raw, pikepdf.Stream):
            continue
        try:
            yield PdfImage(raw)
        except (pikepdf.PdfError, NotImplementedError, ValueError, KeyError, TypeError):
            continue


_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/Indexed": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3}
# Filters whose output size follows from the image's declared size (checked below before decoding).
_PDF_FILTERS: tuple[list[str], ...] = (
    [],
    ["/FlateDecode"],
    ["/DCTDecode"],
    ["/CCITTFaxDecode"],
    ["/JBIG2Decode"],
    ["/JPXDecode"],
)


def _components(image: PdfImage) -> int:
    space = image.obj.get("/ColorSpace")
    if isinstance(space, pikepdf.Array) and len(space) and str(space[0]) == "/ICCBased":
        return min(max(int(space[1].get("/N", 4)), 1), 4)  # a profile's /N is not trusted beyond CMYK
    name = str(space[0]) if isinstance(space, pikepdf.Array) and len(space) else str(space)
    return _COMPONENTS.get(name, 4)  # CMYK, DeviceN, unknown: 4 is the largest a scan uses


def _check_pdf_stream(path: Path, number: int, image: PdfImage, settings: OcrSettings) -> None:
    """Bound what decoding the image stream can produce, before decoding it: declared pixels, then per filter
    the compressed data checked against the declared size (Flate inflated with a cap, DCT and JPX headers)."""
    where = f"PDF page {number}"
    check_pixels(path, image.width, image.height, settings)
    filters = [str(f) for f in image.filters]
    if filters not in _PDF_FILTERS:
        raise UnusableInput(path, f"{where}: image compression {' + '.join(filters)} is not accepted")
    bits = int(image.obj.get("/BitsPerComponent", 8))
    if bits not in (1, 2, 4, 8, 16):
        raise UnusableInput(path, f"{where}: image declares {bits} bits per component")
    raw = image.obj.read_raw_bytes()
    declared = raw_image_bytes(image.width, image.height, _components(image), bits)
    if filters == ["/FlateDecode"]:
        try:  # predictors add a byte per row; anything beyond is a bomb
            inflated_size([raw], declared + image.height + 1024)
        except Malformed as exc:
            raise UnusableInput(path, f"{where}: image stream refused: {exc}") from exc
    elif filters == [] and len(raw) > declared + 1024:
        raise UnusableInput(path, f"{where}: image stream is longer than its declared size")
    elif filters in (["/DCTDecode"], ["/JPXDecode"]):
        header = open_image(path, raw)  # reads the header only
        if header.size != (image.width, image.height):
            shown = f"{header.size[0]}x{header.size[1]}"
            raise UnusableInput(path, f"{where}: image data of {shown} pixels, declared {image.width}x{image.height}")


def _content(path: Path, number: int, page: pikepdf.Page, settings: OcrSettings) -> PageContent:
    """What the page paints, every image on it bounded (kept pages carry their images as they are)."""
    try:
        content = page_content(page)
    except Malformed as exc:
        raise UnusableInput(path, f"PDF page {number}: {exc}") from exc
    for stream in content.image_streams:
        try:
            image = PdfImage(stream)
        except (pikepdf.PdfError, NotImplementedError, ValueError, KeyError, TypeError) as exc:
            raise UnusableInput(path, f"PDF page {number}: an image cannot be read ({why(exc, path)})") from exc
        _check_pdf_stream(path, number, image, settings)
    return content


def single_page(source: pikepdf.Pdf, page: pikepdf.Page) -> bytes:
    """The page of `source` alone in a new PDF: its content, resources and boxes as received; nothing else
    comes along (annotations, actions, form fields, the document's own metadata)."""
    fresh = pikepdf.Dictionary(Type=pikepdf.Name.Page)
    for key in {*KEPT_KEYS, *INHERITED, "/Contents"}:
        value = inherited(page, key) if key in INHERITED else page.obj.get(key, None)
        if value is not None:
            fresh[key] = value
    with pikepdf.new() as out:
        out.pages.append(pikepdf.Page(out.copy_foreign(source.make_indirect(fresh))))
        buffer = io.BytesIO()
        out.save(buffer)
    return buffer.getvalue()


def _kept(path: Path, number: int, pdf: pikepdf.Pdf, page: pikepdf.Page, content: PageContent) -> PageImage:
    box = page.mediabox
    width, height = abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1]))
    if int(page.obj.get("/Rotate", 0)) % 180 == 90:
        width, height = height, width
    size = (max(1, round(width)), max(1, round(height)))
    return PageImage(str(path), number, single_page(pdf, page), "pdf", *size, content.kind, (72.0, 72.0))


def _scanned(path: Path, number: int, page: pikepdf.Page, images: list[PdfImage], settings: OcrSettings) -> PageImage:
    best = max(images, key=lambda im: im.width * im.height)
    _check_pdf_stream(path, number, best, settings)
    box = page.mediabox
    page_w, page_h = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    rotated = int(page.obj.get("/Rotate", 0)) % 180 == 90
    if rotated:
        page_w, page_h = page_h, page_w
    dpi = (round(best.width / (page_w / 72), 2), round(best.height / (page_h / 72), 2))
    filters = [str(f) for f in best.filters]
    colour = str(best.colorspace) if best.colorspace is not None else ""
    if filters == ["/DCTDecode"] and colour in ("/DeviceRGB", "/DeviceGray") and best.bits_per_component == 8:
        data = image_bytes(path, best.obj.read_raw_bytes(), "jpeg", settings)
        mode = "RGB" if colour == "/DeviceRGB" else "L"
        return PageImage(str(path), number, data, "jpeg", best.width, best.height, mode, dpi)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            pil = best.as_pil_image()
    except Exception as exc:  # pikepdf, Pillow and external decoders (jbig2dec) each raise their own
        if isinstance(exc, UnusableInput):
            raise
        raise UnusableInput(path, f"PDF page {number}: image cannot be decoded ({why(exc, path)})") from exc
    flat = normalised_mode(pil)
    encoded, fmt = encode_lossless(flat, dpi)
    return PageImage(str(path), number, encoded, fmt, flat.size[0], flat.size[1], flat.mode, dpi)


def _open_pdf(path: Path, settings: OcrSettings) -> pikepdf.Pdf:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise UnusableInput(path, "PDF is encrypted and needs a password") from exc
    except pikepdf.PdfError as exc:
        raise UnusableInput(path, f"not a readable PDF ({why(exc, path)})") from exc
    try:
        pages = len(pdf.pages)
        signed = signature_count(pdf) > 0
        active = active_content(pdf, embedded_files=signed)
    except PDF_ERRORS as exc:
        pdf.close()
        raise UnusableInput(path, f"PDF is damaged ({why(exc, path)})") from exc
    reason = None
    if pages == 0 or pages > settings.max_pages:
        reason = "PDF has no pages" if pages == 0 else f"more than {settings.max_pages} pages (SOHOA_OCR_MAX_PAGES)"
    elif active:
        kept = " (a signed PDF is kept whole)" if active == "embedded files" else ""
        reason = f"PDF carries {active}{kept}: active content is not accepted"
    if reason:
        pdf.close()
        raise UnusableInput(path, reason)
    return pdf


def _pages(path: Path, pdf: pikepdf.Pdf, settings: OcrSettings) -> Iterator[tuple[int, pikepdf.Page, PageContent]]:
    """Each page with what it paints; UnusableInput when no page paints anything."""
    painted = False
    for number, page in enumerate(pdf.pages, start=1):
        content = _content(path, number, page, settings)
        painted = painted or content.kind != "empty"
        yield number, page, content
    if not painted:
        raise UnusableInput(path, NOTHING_ON_PAGES)


def _page(
    path: Path, pdf: pikepdf.Pdf, found: tuple[int, pikepdf.Page, PageContent], settings: OcrSettings
) -> PageImage:
    number, page, content = found
    images = list(_page_images(page)) if content.image_only else []
    if not images:  # text, a drawing, an empty page, or images only inside drawings: kept as received
        return _kept(path, number, pdf, page, content)
    return _scanned(path, number, page, images, settings)


def read_pdf(path: Path, settings: OcrSettings) -> list[PageImage]:
    """Every page: scanned pages as their largest image, the others kept as received (one-page PDFs)."""
    with _open_pdf(path, settings) as pdf:
        try:
            return [_page(path, pdf, found, settings) for found in _pages(path, pdf, settings)]
        except PDF_ERRORS as exc:
            raise UnusableInput(path, f"PDF is damaged ({why(exc, path)})") from exc


def probe_pdf(path: Path, settings: OcrSettings) -> list[tuple[int, int]]:
    """Per page the size of the scan's largest image, (0, 0) for a page kept as received; every bound checked."""
    sizes = []
    with _open_pdf(path, settings) as pdf:
        try:
            for _number, page, content in _pages(path, pdf, settings):
                images = list(_page_images(page)) if content.image_only else []
                best = max(images, key=lambda im: im.width * im.height) if images else None
                sizes.append((best.width, best.height) if best else (0, 0))
        except PDF_ERRORS as exc:
            raise UnusableInput(path, f"PDF is damaged ({why(exc, path)})") from exc
    return sizes


def pdf_signatures(path: Path, settings: OcrSettings) -> int:
    """How many signatures (and document timestamps) the file carries; such a file is stored as received."""
    with _open_pdf(path, settings) as pdf:
        try:
            return signature_count(pdf)
        except PDF_ERRORS as exc:
            raise UnusableInput(path, f"PDF is damaged ({why(exc, path)})") from exc
