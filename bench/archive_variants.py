"""Archival encodings compared by `bench/archive_check.py` (tune on the tuning split only): the encoding before
issue #16's last round (one JPEG, standard Huffman tables), one JPEG with optimised tables, and mixed raster content
at two mask levels, with and without the guard that keeps a photograph one JPEG."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ocr import archive, mrc
from ocr.models import ArchivalImage, PageImage

Encoder = Callable[[np.ndarray, PageImage, tuple[float, float], int, bool], ArchivalImage]


def before(
    image: np.ndarray, page: PageImage, dpi: tuple[float, float], quality: int, untouched: bool
) -> ArchivalImage:
    """One JPEG per page, standard Huffman tables, quality lowered for a page over budget (as before MRC)."""
    height, width = image.shape[:2]
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    pixels, _ = archive.plain_paper(cv2.medianBlur(pixels, 3))

    def jpeg(level: int) -> bytes:
        return bytes(cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, level])[1].tobytes())

    encoded = jpeg(quality)
    for step in archive.QUALITY_STEPS:
        if len(encoded) <= archive.BYTES_PER_MEGAPIXEL * width * height / 1e6:
            break
        encoded = jpeg(max(archive.MIN_QUALITY, quality - step))
    return ArchivalImage(encoded, "jpeg", width, height, "gray" if image.ndim == 2 else "rgb", dpi)


def one_jpeg(
    image: np.ndarray, page: PageImage, dpi: tuple[float, float], quality: int, untouched: bool
) -> ArchivalImage:
    return archive.encode_archival(image, page, dpi, quality, untouched, mixed=False)


def mixed(level: int, midtones: float = 1.0) -> Encoder:
    def encode(image: np.ndarray, page: PageImage, dpi: tuple[float, float], q: int, untouched: bool) -> ArchivalImage:
        saved = mrc.MASK_LEVEL, mrc.MAX_MIDTONES
        mrc.MASK_LEVEL, mrc.MAX_MIDTONES = level, midtones
        try:
            return archive.encode_archival(image, page, dpi, q, untouched, mixed=True)
        finally:
            mrc.MASK_LEVEL, mrc.MAX_MIDTONES = saved

    return encode


ENCODERS: dict[str, Encoder] = {
    "before": before,
    "one jpeg": one_jpeg,
    "mrc": mixed(128, 0.06),
    "mrc, no photo guard": mixed(128),
    "mrc 160": mixed(160, 0.06),
    "mrc 185": mixed(185, 0.06),
}
