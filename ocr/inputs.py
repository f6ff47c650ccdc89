"""Read what stations send (JPEG, PNG, TIFF incl. multi-page LZW/G4, PDF scanned or born digital) into `PageImage`s.

Every file is checked here (size, type by content, pixel limit, complete data) so that bad input fails early with
`UnusableInput(path, reason)`; pages keep encoded bytes and are decoded again lazily by `decode_page` in a worker.
Only image data goes forward: a JPEG keeps its own segments (no metadata, nothing after its end marker), a PNG its
critical chunks (`ocr.bounded`). Decoded sizes are bounded before decoding: header dimensions against
`SOHOA_OCR_MAX_PIXELS`, compressed PDF streams and PNG data against what their headers declare.
`probe_file` reads headers and bounded data only, for the API's intake; `load_file` decodes (in a worker).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

from ocr.errors import UnusableInput
from ocr.filecheck import (
    DECODER_ERRORS,
    check_pixels,
    encode_lossless,
    image_bytes,
    load_checked,
    normalised_mode,
    open_image,
    why,
)
from ocr.kept import rendering
from ocr.models import PageImage
from ocr.pdfinput import probe_pdf, read_pdf
from ocr.settings import OcrSettings, ocr_settings

A4_LONG_INCHES = 297 / 25.4
COMMON_DPI = (100, 150, 200, 240, 300, 400, 600, 1200)
SPLIT_DPI = 150
_MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"II*\x00": "tiff", b"MM\x00*": "tiff"}


def sniff_format(head: bytes) -> str | None:
    """The file type from its first bytes: jpeg, png, tiff, pdf, or None."""
    for magic, fmt in _MAGIC.items():
        if head.startswith(magic):
            return fmt
    return "pdf" if b"%PDF-" in head[:1024] else None


def infer_dpi(width: int, height: int) -> tuple[float, str]:
    """Resolution guessed from pixel size, assuming an A4 sheet, snapped to a usual scanner setting."""
    guess = max(width, height) / A4_LONG_INCHES
    near = min(COMMON_DPI, key=lambda d: abs(d - guess))
    dpi = float(near) if abs(near - guess) <= 0.06 * near else round(guess, 1)
    return dpi, f"no usable resolution in the file; {dpi:g} dpi inferred from {width}x{height} px as an A4 page"


def _resolution(path: Path, image: Image.Image) -> tuple[tuple[float, float], bool, str]:
    dpi = image.info.get("dpi")
    if dpi and min(float(dpi[0]), float(dpi[1])) >= 10:
        x, y = float(dpi[0]), float(dpi[1])
        if max(image.size) / min(x, y) <= 20:  # a page of at most 20 inches: believable
            return (round(x, 2), round(y, 2)), False, ""
    value, note = infer_dpi(*image.size)
    return (value, value), True, note


def _read_jpeg_or_png(path: Path, data: bytes, fmt: str, settings: OcrSettings) -> list[PageImage]:
    check_pixels(path, *open_image(path, data).size, settings)  # the header, before reading any further
    data = image_bytes(path, data, fmt, settings)
    image = open_image(path, data)
    check_pixels(path, *image.size, settings)
    if fmt == "jpeg":
        dpi, inferred, note = _resolution(path, image)
        size, mode = image.size, image.mode  # CMYK and others are converted, not passed through
        image.draft("L", (max(1, size[0] // 8), max(1, size[1] // 8)))  # decodes all data, cheaply
        load_checked(path, image, "JPEG")
        return [PageImage(str(path), 1, data, "jpeg", *size, mode, dpi, inferred, note)]
    load_checked(path, image, "PNG")
    dpi, inferred, note = _resolution(path, image)
    mode = image.mode if image.mode in ("1", "L", "RGB") else "RGB"
    if image.mode not in ("1", "L", "RGB", "P") or (image.mode == "P" and "transparency" in image.info):
        data, fmt = encode_lossless(normalised_mode(image), dpi)
    return [PageImage(str(path), 1, data, fmt, *image.size, mode, dpi, inferred, note)]


def _read_tiff(path: Path, data: bytes, settings: OcrSettings) -> list[PageImage]:
    image = open_image(path, data)
    pages = []
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            check_pixels(path, *frame.size, settings)
            if number > settings.max_pages:
                raise UnusableInput(path, f"more than {settings.max_pages} pages (SOHOA_OCR_MAX_PAGES)")
            load_checked(path, frame, f"TIFF page {number}")
            dpi, inferred, note = _resolution(path, frame)
            flat = normalised_mode(frame)
            encoded, fmt = encode_lossless(flat, dpi)
            pages.append(PageImage(str(path), number, encoded, fmt, *flat.size, flat.mode, dpi, inferred, note))
    except DECODER_ERRORS as exc:
        raise UnusableInput(path, f"TIFF data is damaged or incomplete ({why(exc, path)})") from exc
    return pages


def _checked_format(path: Path, settings: OcrSettings) -> str:
    """The file's format by content, after the size checks; UnusableInput otherwise."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnusableInput(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not path.is_file():
        raise UnusableInput(path, "is not a file")
    if size == 0:
        raise UnusableInput(path, "file is empty (0 bytes)")
    if size > settings.max_file_bytes:
        raise UnusableInput(path, f"file of {size} bytes exceeds the limit of {settings.max_file_bytes}")
    with path.open("rb") as handle:
        head = handle.read(1024)
    fmt = sniff_format(head)
    if fmt is None:
        raise UnusableInput(path, "not a JPEG, PNG, TIFF or PDF file (its content is of another type)")
    return fmt


def load_file(path: Path, settings: OcrSettings | None = None) -> list[PageImage]:
    """All pages of one input file, checked and decoded; raises UnusableInput naming the file and the reason."""
    settings = settings or ocr_settings()
    fmt = _checked_format(path, settings)
    if fmt == "pdf":
        return read_pdf(path, settings)
    data = path.read_bytes()
    if fmt == "tiff":
        return _read_tiff(path, data, settings)
    return _read_jpeg_or_png(path, data, fmt, settings)


def probe_file(path: Path, settings: OcrSettings | None = None) -> list[tuple[int, int]]:
    """Width and height of every page of one input file from headers and bounded data, no pixel decoded: JPEG
    segments walked to the end marker, PNG chunks CRC-checked and inflated with a cap, TIFF directories, PDF
    image dictionaries and streams bounded as `load_file` bounds them. UnusableInput as `load_file` raises."""
    settings = settings or ocr_settings()
    fmt = _checked_format(path, settings)
    if fmt == "pdf":
        return probe_pdf(path, settings)
    data = path.read_bytes()
    image = open_image(path, data)
    if fmt in ("jpeg", "png"):
        check_pixels(path, *image.size, settings)
        image = open_image(path, image_bytes(path, data, fmt, settings))
        check_pixels(path, *image.size, settings)
        return [image.size]
    sizes = []
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > settings.max_pages:
                raise UnusableInput(path, f"more than {settings.max_pages} pages (SOHOA_OCR_MAX_PAGES)")
            check_pixels(path, *frame.size, settings)
            sizes.append(frame.size)
    except DECODER_ERRORS as exc:
        raise UnusableInput(path, f"TIFF directory is damaged ({why(exc, path)})") from exc
    return sizes


def load_pages(paths: Sequence[Path], settings: OcrSettings | None = None) -> list[PageImage]:
    """The pages of all input files, in order (several inputs are pages of one document)."""
    pages: list[PageImage] = []
    for path in paths:
        pages.extend(load_file(Path(path), settings))
    return pages


def decode_page(page: PageImage) -> np.ndarray:
    """Pixels of a page: HxWx3 RGB uint8, or HxW uint8 for grey and bilevel pages (bilevel as 0/255); a PDF page
    kept as received is rendered in grey at 150 dpi (for the QR and blank splits)."""
    if page.fmt == "pdf":
        page = rendering(page, SPLIT_DPI)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = normalised_mode(Image.open(io.BytesIO(page.data)))
    if image.mode == "1":
        return np.asarray(image.convert("L"))
    return np.asarray(image)
