"""Checks shared by the file readers of `ocr.inputs` and `ocr.pdfinput`: pixel limits, bounded image bytes,
decoder errors turned into `UnusableInput` with a message fit for the station, lossless re-encoding.
"""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, UnidentifiedImageError

from ocr.bounded import Malformed, jpeg_image_bytes, png_image_bytes
from ocr.errors import UnusableInput
from ocr.settings import OcrSettings

# What Pillow raises on damaged files besides OSError (found by fuzzing: a TIFF without dimensions is a
# TypeError, a bad tag a KeyError, a short table a struct.error or an IndexError).
DECODER_ERRORS = (OSError, ValueError, SyntaxError, TypeError, KeyError, IndexError, EOFError, struct.error)


# What pikepdf raises on a damaged PDF besides PdfError (found by fuzzing: a /Height that is a string is a
# TypeError, an unknown colour space a NotImplementedError).
PDF_ERRORS = (pikepdf.PdfError, NotImplementedError, TypeError, ValueError, KeyError, IndexError, AttributeError)


def why(exc: BaseException, path: Path) -> str:
    """A decoder's message fit for the station: no server path (pikepdf names the file it opened), short."""
    text = str(exc).replace(str(path), path.name).replace(str(path.parent), "")
    return text if len(text) <= 200 else text[:200] + "…"


def check_pixels(path: Path, width: int, height: int, settings: OcrSettings) -> None:
    if width <= 0 or height <= 0:
        raise UnusableInput(path, "image has no pixels")
    if width * height > settings.max_pixels:
        raise UnusableInput(
            path,
            f"image of {width}x{height} pixels exceeds the limit of {settings.max_pixels} pixels "
            "(decompression bomb guard, SOHOA_OCR_MAX_PIXELS)",
        )


def open_image(path: Path, data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise UnusableInput(path, f"image too large to decode safely ({why(exc, path)})") from exc
    except (UnidentifiedImageError, *DECODER_ERRORS) as exc:
        raise UnusableInput(path, f"not a readable image ({why(exc, path)})") from exc


def load_checked(path: Path, image: Image.Image, what: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except (*DECODER_ERRORS, Image.DecompressionBombError) as exc:
        raise UnusableInput(path, f"{what} data is damaged or incomplete ({why(exc, path)})") from exc


def normalised_mode(image: Image.Image) -> Image.Image:
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


def encode_lossless(image: Image.Image, dpi: tuple[float, float]) -> tuple[bytes, str]:
    out = io.BytesIO()
    if image.mode == "1":
        image.save(out, "TIFF", compression="group4", dpi=dpi)
        return out.getvalue(), "tiff"
    image.save(out, "PNG", compress_level=1, dpi=dpi)
    return out.getvalue(), "png"


def image_bytes(path: Path, data: bytes, fmt: str, settings: OcrSettings) -> bytes:
    """The file's image data only (JPEG segments, PNG critical chunks), structure and declared sizes checked."""
    try:
        if fmt == "jpeg":
            return jpeg_image_bytes(data)
        return png_image_bytes(data, settings.max_pixels)[0]
    except Malformed as exc:
        raise UnusableInput(path, f"{fmt.upper()} data is damaged or incomplete ({why(exc, path)})") from exc
