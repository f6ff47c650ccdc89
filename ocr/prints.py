"""A page's perceptual print: ImageHash's DCT hash (pHash) of the cleaned page (turned, levelled, cropped), so that
the same paper scanned again is recognised whatever the scanner, resolution or JPEG quality (docs/intake.md).
"""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

# 8×8 = 64 bits, ImageHash's default: larger hashes see more of the seal, border and skew of a rough rescan (256
# bits: the same paper 50 bits apart, another text page 82) and tell pages apart no better (docs/intake.md).
HASH_SIZE = 8


def page_print(image: np.ndarray) -> str:
    """The page's pHash as hex (grey, or RGB/bilevel pixels as `ocr.inputs.decode_page` gives them)."""
    pixels = Image.fromarray(image).convert("L")
    return str(imagehash.phash(pixels, hash_size=HASH_SIZE))
