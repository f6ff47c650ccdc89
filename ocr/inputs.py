"""Read what scanners produce (JPEG, PNG, TIFF incl. multi-page LZW/G4, image-only PDF) into `PageImage`s.

Every file is checked here (size, type by content, pixel limit, complete data) so that bad input fails early with
`UnusableInput(path, reason)`; pages keep encoded bytes and are decoded again lazily by `decode_page` in a worker.
Only image data goes forward: a JPEG keeps its own segments (no metadata, nothing after its end marker), a PNG its
critical chunks (`ocr.bounded`). Decoded sizes are bounded before decoding: header dimensions against
`SOHOA_OCR_MAX_PIXELS`, compressed PDF streams and PNG data against what their headers declare.
`probe_file` reads headers and bounded data only, for the API's intake; `load_file` decodes (in a worker).
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pikepdf
from pikepdf import PdfImage
from PIL import Image, ImageSequence, UnidentifiedImageError

from ocr.bounded import Malformed, inflated_size, jpeg_image_bytes, png_image_bytes, raw_image_bytes
from ocr.errors import UnusableInput
from ocr.models import PageImage
from ocr.settings import OcrSettings, ocr_settings

A4_LONG_INCHES = 297 / 25.4
COMMON_DPI = (100, 150, 200, 240, 300, 400, 600, 1200)
_MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"II*\x00": "tiff", b"MM\x00*": "tiff"}


def sniff_format(head: bytes) -> str | None:
    """The file type from its first bytes: jpeg, png, tiff, pdf, or None."""
    for magic, fmt in _MAGIC.items():
        if head.startswith(magic):
            return fmt
    return "pdf" if b"%PDF-" in head[:1024] else None


# What Pillow raises on damaged files besides OSError (found by fuzzing: a TIFF without dimensions is a
# TypeError, a bad tag a KeyError, a short table a struct.error or an IndexError).
_DECODER_ERRORS = (OSError, ValueError, SyntaxError, TypeError, KeyError, IndexError, EOFError, struct.error)


# What pikepdf raises on a damaged PDF besides PdfError (found by fuzzing: a /Height that is a string is a
# TypeError, an unknown colour space a NotImplementedError).
_PDF_ERRORS = (pikepdf.PdfError, NotImplementedError, TypeError, ValueError, KeyError, IndexError, AttributeError)


def _why(exc: BaseException, path: Path) -> str:
    """A decoder's message fit for the station: no server path (pikepdf names the file it opened), short."""
    text = str(exc).replace(str(path), path.name).replace(str(path.parent), "")
    return text if len(text) <= 200 else text[:200] + "…"


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


def _check_pixels(path: Path, width: int, height: int, settings: OcrSettings) -> None:
    if width <= 0 or height <= 0:
        raise UnusableInput(path, "image has no pixels")
    if width * height > settings.max_pixels:
        raise UnusableInput(
            path,
            f"image of {width}x{height} pixels exceeds the limit of {settings.max_pixels} pixels "
            "(decompression bomb guard, SOHOA_OCR_MAX_PIXELS)",
        )


def _open_image(path: Path, data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise UnusableInput(path, f"image too large to decode safely ({_why(exc, path)})") from exc
    except (UnidentifiedImageError, *_DECODER_ERRORS) as exc:
        raise UnusableInput(path, f"not a readable image ({_why(exc, path)})") from exc


def _load_checked(path: Path, image: Image.Image, what: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except (*_DECODER_ERRORS, Image.DecompressionBombError) as exc:
        raise UnusableInput(path, f"{what} data is damaged or incomplete ({_why(exc, path)})") from exc


def _normalised_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode in ("RGBA", "LA", "P", "PA") and (image.mode != "P" or "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        array = np.asarray(image, dtype=np.float32)
        return Image.fromarray((array / max(float(array.max()), 1.0) * 255).astype(np.uint8))
    return image.convert("RGB")


def _encode_lossless(image: Image.Image, dpi: tuple[float, float]) -> tuple[bytes, str]:
    out = io.BytesIO()
    if image.mode == "1":
        image.save(out, "TIFF", compression="group4", dpi=dpi)
        return out.getvalue(), "tiff"
    image.save(out, "PNG", compress_level=1, dpi=dpi)
    return out.getvalue(), "png"


def _image_bytes(path: Path, data: bytes, fmt: str, settings: OcrSettings) -> bytes:
    """The file's image data only (JPEG segments, PNG critical chunks), structure and declared sizes checked."""
    try:
        if fmt == "jpeg":
            return jpeg_image_bytes(data)
        return png_image_bytes(data, settings.max_pixels)[0]
    except Malformed as exc:
        raise UnusableInput(path, f"{fmt.upper()} data is damaged or incomplete ({_why(exc, path)})") from exc


def _read_jpeg_or_png(path: Path, data: bytes, fmt: str, settings: OcrSettings) -> list[PageImage]:
    _check_pixels(path, *_open_image(path, data).size, settings)  # the header, before reading any further
    data = _image_bytes(path, data, fmt, settings)
    image = _open_image(path, data)
    _check_pixels(path, *image.size, settings)
    if fmt == "jpeg":
        dpi, inferred, note = _resolution(path, image)
        size, mode = image.size, image.mode  # CMYK and others are converted, not passed through
        image.draft("L", (max(1, size[0] // 8), max(1, size[1] // 8)))  # decodes all data, cheaply
        _load_checked(path, image, "JPEG")
        return [PageImage(str(path), 1, data, "jpeg", *size, mode, dpi, inferred, note)]
    _load_checked(path, image, "PNG")
    dpi, inferred, note = _resolution(path, image)
    mode = image.mode if image.mode in ("1", "L", "RGB") else "RGB"
    if image.mode not in ("1", "L", "RGB", "P") or (image.mode == "P" and "transparency" in image.info):
        data, fmt = _encode_lossless(_normalised_mode(image), dpi)
    return [PageImage(str(path), 1, data, fmt, *image.size, mode, dpi, inferred, note)]


def _read_tiff(path: Path, data: bytes, settings: OcrSettings) -> list[PageImage]:
    image = _open_image(path, data)
    pages = []
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            _check_pixels(path, *frame.size, settings)
            if number > settings.max_pages:
                raise UnusableInput(path, f"more than {settings.max_pages} pages (SOHOA_OCR_MAX_PAGES)")
            _load_checked(path, frame, f"TIFF page {number}")
            dpi, inferred, note = _resolution(path, frame)
            flat = _normalised_mode(frame)
            encoded, fmt = _encode_lossless(flat, dpi)
            pages.append(PageImage(str(path), number, encoded, fmt, *flat.size, flat.mode, dpi, inferred, note))
    except _DECODER_ERRORS as exc:
        raise UnusableInput(path, f"TIFF data is damaged or incomplete ({_why(exc, path)})") from exc
    return pages


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
    _check_pixels(path, image.width, image.height, settings)
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
        header = _open_image(path, raw)  # reads the header only
        if header.size != (image.width, image.height):
            shown = f"{header.size[0]}x{header.size[1]}"
            raise UnusableInput(path, f"{where}: image data of {shown} pixels, declared {image.width}x{image.height}")


def _pdf_page(path: Path, number: int, page: pikepdf.Page, settings: OcrSettings) -> PageImage:
    images = list(_page_images(page))
    if not images:
        raise UnusableInput(path, f"PDF page {number} has no image (not an image-only scan)")
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
        data = _image_bytes(path, best.obj.read_raw_bytes(), "jpeg", settings)
        mode = "RGB" if colour == "/DeviceRGB" else "L"
        return PageImage(str(path), number, data, "jpeg", best.width, best.height, mode, dpi)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            pil = best.as_pil_image()
    except Exception as exc:  # pikepdf, Pillow and external decoders (jbig2dec) each raise their own
        if isinstance(exc, UnusableInput):
            raise
        raise UnusableInput(path, f"PDF page {number}: image cannot be decoded ({_why(exc, path)})") from exc
    flat = _normalised_mode(pil)
    encoded, fmt = _encode_lossless(flat, dpi)
    return PageImage(str(path), number, encoded, fmt, flat.size[0], flat.size[1], flat.mode, dpi)


def _open_pdf(path: Path, settings: OcrSettings) -> pikepdf.Pdf:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise UnusableInput(path, "PDF is encrypted and needs a password") from exc
    except pikepdf.PdfError as exc:
        raise UnusableInput(path, f"not a readable PDF ({_why(exc, path)})") from exc
    try:
        pages = len(pdf.pages)
    except _PDF_ERRORS as exc:
        pdf.close()
        raise UnusableInput(path, f"PDF is damaged ({_why(exc, path)})") from exc
    if pages == 0 or pages > settings.max_pages:
        pdf.close()
        reason = "PDF has no pages" if pages == 0 else f"more than {settings.max_pages} pages (SOHOA_OCR_MAX_PAGES)"
        raise UnusableInput(path, reason)
    return pdf


def _read_pdf(path: Path, settings: OcrSettings) -> list[PageImage]:
    with _open_pdf(path, settings) as pdf:
        try:
            return [_pdf_page(path, n, page, settings) for n, page in enumerate(pdf.pages, start=1)]
        except _PDF_ERRORS as exc:
            raise UnusableInput(path, f"PDF is damaged ({_why(exc, path)})") from exc


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
        return _read_pdf(path, settings)
    data = path.read_bytes()
    if fmt == "tiff":
        return _read_tiff(path, data, settings)
    return _read_jpeg_or_png(path, data, fmt, settings)


def _probe_pdf(path: Path, settings: OcrSettings) -> list[tuple[int, int]]:
    sizes = []
    with _open_pdf(path, settings) as pdf:
        try:
            for number, page in enumerate(pdf.pages, start=1):
                images = list(_page_images(page))
                if not images:
                    raise UnusableInput(path, f"PDF page {number} has no image (not an image-only scan)")
                best = max(images, key=lambda im: im.width * im.height)
                _check_pdf_stream(path, number, best, settings)
                sizes.append((best.width, best.height))
        except _PDF_ERRORS as exc:
            raise UnusableInput(path, f"PDF is damaged ({_why(exc, path)})") from exc
    return sizes


def probe_file(path: Path, settings: OcrSettings | None = None) -> list[tuple[int, int]]:
    """Width and height of every page of one input file from headers and bounded data, no pixel decoded: JPEG
    segments walked to the end marker, PNG chunks CRC-checked and inflated with a cap, TIFF directories, PDF
    image dictionaries and streams bounded as `load_file` bounds them. UnusableInput as `load_file` raises."""
    settings = settings or ocr_settings()
    fmt = _checked_format(path, settings)
    if fmt == "pdf":
        return _probe_pdf(path, settings)
    data = path.read_bytes()
    image = _open_image(path, data)
    if fmt in ("jpeg", "png"):
        _check_pixels(path, *image.size, settings)
        image = _open_image(path, _image_bytes(path, data, fmt, settings))
        _check_pixels(path, *image.size, settings)
        return [image.size]
    sizes = []
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > settings.max_pages:
                raise UnusableInput(path, f"more than {settings.max_pages} pages (SOHOA_OCR_MAX_PAGES)")
            _check_pixels(path, *frame.size, settings)
            sizes.append(frame.size)
    except _DECODER_ERRORS as exc:
        raise UnusableInput(path, f"TIFF directory is damaged ({_why(exc, path)})") from exc
    return sizes


def load_pages(paths: Sequence[Path], settings: OcrSettings | None = None) -> list[PageImage]:
    """The pages of all input files, in order (several inputs are pages of one document)."""
    pages: list[PageImage] = []
    for path in paths:
        pages.extend(load_file(Path(path), settings))
    return pages


def decode_page(page: PageImage) -> np.ndarray:
    """Pixels of a page: HxWx3 RGB uint8, or HxW uint8 for grey and bilevel pages (bilevel as 0/255)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = _normalised_mode(Image.open(io.BytesIO(page.data)))
    if image.mode == "1":
        return np.asarray(image.convert("L"))
    return np.asarray(image)
