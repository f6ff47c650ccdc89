"""Encoding of the archival page image that goes into the PDF: JPEG for colour and grey, CCITT G4 for bilevel.

An original JPEG that cleanup left untouched is passed through byte for byte (no generation loss); a page that
was turned, deskewed or cropped is re-encoded after a 3x3 median that removes sensor noise (and many bytes), its
paper made one plain colour, its black print split off as a G4 mask when it is mostly print (`ocr.mrc`).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, TiffImagePlugin

from ocr.models import ArchivalImage, PageImage
from ocr.mrc import print_mask, print_removed

PHOTOMETRIC, STRIP_OFFSETS, ROWS_PER_STRIP, STRIP_BYTE_COUNTS = 262, 273, 278, 279


def encode_archival(
    image: np.ndarray,
    page: PageImage,
    dpi: tuple[float, float],
    quality: int,
    untouched: bool,
    mixed: bool = True,
    *,
    flat: np.ndarray | None = None,
) -> ArchivalImage:
    """The page's archival image; `flat` is its flattened OCR copy at full resolution if already made."""
    height, width = image.shape[:2]
    if page.mode == "1":
        g4 = ccitt_g4(image)
        if g4 is not None:
            return ArchivalImage(g4, "ccitt", width, height, "bilevel", dpi)
        bits = np.packbits(image >= 128, axis=1)  # 1 = white with /Decode default for /DeviceGray 1-bit
        return ArchivalImage(bits.tobytes(), "bilevel", width, height, "bilevel", dpi)
    colour = "gray" if image.ndim == 2 else "rgb"
    if untouched and page.fmt == "jpeg" and page.mode in ("RGB", "L"):
        return ArchivalImage(page.data, "jpeg", width, height, colour, dpi)
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    pixels = cv2.medianBlur(pixels, 3)  # sensor noise costs JPEG bytes and carries no content
    pixels, paper = plain_paper(pixels)
    mask = print_mask(image, float(min(dpi)), flat) if mixed else None
    # 8-bit straight away: np.where(mask, 0, 255) made a 64-bit page first (≈9 ms/page more, docs/ocr.md "Ninth round")
    g4 = ccitt_g4(np.where(mask, np.uint8(0), np.uint8(255))) if mask is not None else None
    if mask is None or g4 is None:
        return ArchivalImage(_jpeg_within(pixels, quality), "jpeg", width, height, colour, dpi)
    background, ink = print_removed(pixels, mask, paper)
    ink = ink[::-1] if colour == "rgb" else ink  # OpenCV's BGR
    scale = min(1.0, BACKGROUND_DPI / float(min(dpi)))
    if scale < 1.0:  # the print is in the mask at full resolution; paper, seals and pen need less
        background = cv2.resize(background, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    size = (background.shape[1], background.shape[0])
    jpeg = _jpeg_within(background, quality)
    return ArchivalImage(jpeg, "jpeg", width, height, colour, dpi, g4, ink, size)


def _jpeg_within(pixels: np.ndarray, quality: int) -> bytes:
    """JPEG at `quality`, or lower when over the budget for its pixels (textured or coloured paper, streaks)."""
    budget = BYTES_PER_MEGAPIXEL * pixels.shape[0] * pixels.shape[1] / 1e6
    encoded = _jpeg(pixels, quality)
    for step in QUALITY_STEPS:
        if len(encoded) <= budget:
            break
        encoded = _jpeg(pixels, max(MIN_QUALITY, quality - step))
    return encoded


def _jpeg(pixels: np.ndarray, quality: int) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 1]  # optimised Huffman tables
    ok, encoded = cv2.imencode(".jpg", pixels, params)
    if not ok:
        raise RuntimeError("JPEG encoding of the page image failed")
    return encoded.tobytes()


PAPER_MARGIN = 25
BACKGROUND_DPI = 150.0  # resolution of an MRC page's background (paper, seals, pen); its print stays at full
# Per-page JPEG quality: a page whose JPEG at the set quality is over this budget (≈350 KB for A4 at 300 dpi) is
# encoded again 15, then 25 levels lower (never below 40): paper texture, streaks and noise cost those bytes.
BYTES_PER_MEGAPIXEL = 40_000
QUALITY_STEPS = (15, 25)
MIN_QUALITY = 40


def plain_paper(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Paper made one plain colour: pixels whose darkest channel is within PAPER_MARGIN levels of the paper (the
    95th percentile) take the paper's median colour (returned too). Ink, seals and pen keep every pixel; the
    paper's grain and the JPEG noise around it were ≈40% of a page's bytes (docs/ocr.md)."""
    darkest = pixels if pixels.ndim == 2 else cv2.min(cv2.min(pixels[..., 0], pixels[..., 1]), pixels[..., 2])
    level = float(np.percentile(darkest[::8, ::8], 95))
    paper = darkest[::8, ::8] > level - PAPER_MARGIN
    if not paper.any():
        return pixels, np.median(pixels[::8, ::8].reshape(-1, *pixels.shape[2:]), axis=0).astype(np.uint8)
    colour = np.median(pixels[::8, ::8][paper], axis=0).astype(np.uint8)
    # OpenCV, not NumPy boolean indexing (0.7 s/page)
    _, mask = cv2.threshold(darkest, level - PAPER_MARGIN, 255, cv2.THRESH_BINARY)
    plain = np.empty_like(pixels)
    plain[:] = colour
    out = pixels.copy()
    cv2.copyTo(plain, mask, out)
    return out, colour


def ccitt_g4(image: np.ndarray) -> bytes | None:
    """CCITT G4 data of a bilevel image (0 = black), for a /CCITTFaxDecode stream with /BlackIs1 true.

    Pillow (libtiff) writes a one-strip G4 TIFF; its strip is the PDF stream's data. None if the TIFF is not
    laid out as expected (then the caller falls back to Flate).
    """
    height = image.shape[0]
    out = io.BytesIO()
    Image.fromarray(image).convert("1").save(out, "TIFF", compression="group4", tiffinfo={ROWS_PER_STRIP: height})
    tiff = Image.open(io.BytesIO(out.getvalue()))
    if not isinstance(tiff, TiffImagePlugin.TiffImageFile):
        return None
    tags = tiff.tag_v2
    offsets, counts = tags.get(STRIP_OFFSETS), tags.get(STRIP_BYTE_COUNTS)
    if tags.get(PHOTOMETRIC) != 1 or not offsets or len(offsets) != 1 or not counts:
        return None
    return out.getvalue()[offsets[0] : offsets[0] + counts[0]]
