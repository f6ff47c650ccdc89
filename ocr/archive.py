"""Encoding of the archival page image that goes into the PDF: JPEG for colour and grey, 1-bit for bilevel.

An original JPEG that cleanup left untouched is passed through byte for byte (no generation loss); a page that
was turned, deskewed or cropped is re-encoded after a 3x3 median that removes sensor noise (and many bytes).
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.models import ArchivalImage, PageImage


def encode_archival(
    image: np.ndarray, page: PageImage, dpi: tuple[float, float], quality: int, untouched: bool
) -> ArchivalImage:
    height, width = image.shape[:2]
    if page.mode == "1":
        bits = np.packbits(image >= 128, axis=1)  # 1 = white with /Decode default for /DeviceGray 1-bit
        return ArchivalImage(bits.tobytes(), "bilevel", width, height, "bilevel", dpi)
    colour = "gray" if image.ndim == 2 else "rgb"
    if untouched and page.fmt == "jpeg" and page.mode in ("RGB", "L"):
        return ArchivalImage(page.data, "jpeg", width, height, colour, dpi)
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    pixels = cv2.medianBlur(pixels, 3)  # sensor noise costs JPEG bytes and carries no content
    ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding of the page image failed")
    return ArchivalImage(encoded.tobytes(), "jpeg", width, height, colour, dpi)
