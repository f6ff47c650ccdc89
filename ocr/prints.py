"""A page's perceptual print: ImageHash's DCT hash (pHash) of the cleaned page (turned, levelled, cropped), so that
the same paper scanned again is recognised whatever the scanner, resolution or JPEG quality (docs/intake.md).
"""

from __future__ import annotations

import cv2
import imagehash
import numpy as np
from PIL import Image

# 8×8 = 64 bits, ImageHash's default: larger hashes see more of the seal, border and skew of a rough rescan (256
# bits: the same paper 50 bits apart, another text page 82) and tell pages apart no better (docs/intake.md).
HASH_SIZE = 8
HIGHFREQ_FACTOR = 4  # imagehash.phash's default: the DCT of a 32×32 thumbnail


def page_print(image: np.ndarray) -> str:
    """The page's pHash as hex (grey, or RGB/bilevel pixels as `ocr.inputs.decode_page` gives them): the same bits
    as `imagehash.phash(image, hash_size=8)`, with OpenCV's DCT instead of SciPy's, whose import cost each OCR
    worker ≈0.15 CPU s (docs/ocr.md, "Fifth round"). OpenCV's DCT is orthonormal: its first row and column are
    1/√2 of the others relative to SciPy's unnormalised one, so they are scaled back before the median test."""
    side = HASH_SIZE * HIGHFREQ_FACTOR
    pixels = Image.fromarray(image).convert("L").resize((side, side), Image.Resampling.LANCZOS)
    dct = cv2.dct(np.asarray(pixels, dtype=np.float64))
    dct[0, :] *= np.sqrt(2)
    dct[:, 0] *= np.sqrt(2)
    low = dct[:HASH_SIZE, :HASH_SIZE]
    return str(imagehash.ImageHash(low > np.median(low)))
