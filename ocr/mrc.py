"""Mixed raster content for the archival page: the black print becomes a 1-bit mask at full resolution (CCITT G4,
painted in the ink's colour) over a JPEG of the page without it, so paper, seals and pen keep their colour.

Only pages that look like print are split: a photograph or a picture (many mid-tones) stays one JPEG.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.cleanup import MIDTONES, flatten, ocr_grey

# Print: darker than this in the flattened OCR copy (seal red and pen blue are white there, black under a seal
# stays black); 128 thinned the strokes (tuning augraphy, the rendered archive read again: CER 3.64% -> 5.18%),
# 185 keeps them (3.49%). Pixels between MIDTONE_RANGE's ends are neither paper nor print; a page with more of
# them than MAX_MIDTONES (a photograph, a halftone picture, a shaded form) is not split; nor is one over MAX_PRINT.
MASK_LEVEL = 185
MIDTONE_RANGE = MIDTONES
MAX_MIDTONES = 0.06
MAX_PRINT = 0.3
INK_SAMPLE = 3  # the print's colour from every third row and column


def print_mask(image: np.ndarray, dpi: float, flat: np.ndarray | None = None) -> np.ndarray | None:
    """The black print of a levelled RGB or grey page (True where print), or None when the page is not mostly
    print on paper (mid-tones over MAX_MIDTONES, print over MAX_PRINT) or has no print. `flat` is the page's
    flattened OCR copy at full resolution when the caller has it already."""
    flat = flatten(ocr_grey(image), dpi) if flat is None else flat
    sample = flat[::4, ::4]
    low, high = MIDTONE_RANGE
    midtones = float(cv2.inRange(sample, low, high).mean()) / 255.0
    mask = flat < MASK_LEVEL
    share = float(mask[::4, ::4].mean())
    if midtones > MAX_MIDTONES or share > MAX_PRINT or not mask.any():
        return None
    return mask


def print_removed(pixels: np.ndarray, mask: np.ndarray, paper: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """The page with its print (one pixel wider, its anti-aliased edge) in the paper's colour, and the print's
    colour (the median inside the strokes, in the channel order of `pixels`, from every INK_SAMPLE-th row and
    column: indexing a full page by a mask cost ≈0.06 s, docs/ocr.md "Seventh round")."""
    mask8 = mask.astype(np.uint8)
    core = cv2.erode(mask8, np.ones((3, 3), np.uint8))  # not the strokes' grey edge
    sample, inside = pixels[::INK_SAMPLE, ::INK_SAMPLE], core[::INK_SAMPLE, ::INK_SAMPLE].astype(bool)
    under = sample[inside] if inside.any() else sample[mask[::INK_SAMPLE, ::INK_SAMPLE]]
    step = max(1, len(under) // 20_000)
    ink = np.median(under[::step], axis=0) if len(under) else np.zeros(pixels.shape[2:] or (), np.uint8)
    grown = cv2.dilate(mask8, np.ones((3, 3), np.uint8))
    plain = np.empty_like(pixels)
    plain[:] = paper
    background = pixels.copy()
    cv2.copyTo(plain, grown, background)
    return background, tuple(int(v) for v in np.atleast_1d(ink))
