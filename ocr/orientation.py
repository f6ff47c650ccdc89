"""Page orientation (quarter turns) and skew, decided on reduced copies: projection profiles for side and skew,
the ink balance above/below text lines for upside down, and the engine's OSD only when that balance is unsure.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.cleanup import (
    ANALYSIS_DPI,
    FINE_DPI,
    Orientation,
    deskew,
    find_skew,
    ink_mask,
    reduce,
    refine_skew,
    rotate_quarter,
    upright_ratio,
)
from ocr.engine import OcrEngine

UPRIGHT_SURE = 1.3
UPSIDE_DOWN_SURE = 1 / 1.3


def find_orientation(
    grey: np.ndarray,
    dpi: float,
    engine: OcrEngine | None,
    timeout: int = 60,
    small: np.ndarray | None = None,
    fine: tuple[np.ndarray, float] | None = None,
) -> Orientation:
    """Clockwise quarter turn and skew angle that make the page upright and level; `small` is `grey` reduced
    to ANALYSIS_DPI and `fine` to FINE_DPI (with its scale) when the caller has them already."""
    small = reduce(grey, dpi, ANALYSIS_DPI)[0] if small is None else small
    mask = ink_mask(small)
    angle, horizontal, vertical = find_skew(mask)
    quarter = 0
    if vertical > horizontal:
        quarter = 90
        angle, _, _ = find_skew(np.ascontiguousarray(np.rot90(mask, k=-1)))
    fine_copy, fine_scale = reduce(grey, dpi, FINE_DPI) if fine is None else fine
    fine_copy = rotate_quarter(fine_copy, quarter)
    angle = refine_skew(ink_mask(fine_copy), angle)
    level = deskew(fine_copy, angle, 255)
    ratio = upright_ratio(ink_mask(level))
    method = "ink balance"
    if ratio < UPSIDE_DOWN_SURE:
        quarter = (quarter + 180) % 360
    elif ratio < UPRIGHT_SURE:
        verdict = engine.upside_down(level, dpi * fine_scale, timeout) if engine else None
        method = "osd" if verdict is not None else "unsure"
        if verdict:
            quarter = (quarter + 180) % 360
    return Orientation(quarter, angle, ratio, method)


def paper_colour(image: np.ndarray, dpi: float) -> tuple[int, ...] | int:
    """The colour of the paper (bright pixels' median), used to fill corners uncovered by deskewing."""
    small, _ = reduce(image, dpi, 30.0)
    if small.ndim == 2:
        return int(np.percentile(small, 90))
    grey = small.max(axis=2)
    bright = small[grey >= np.percentile(grey, 75)]
    return tuple(int(v) for v in np.median(bright, axis=0))


def apply_orientation(image: np.ndarray, orientation: Orientation, fill: tuple[int, ...] | int) -> np.ndarray:
    """The full-resolution image turned and levelled (canvas enlarged for the skew, corners in paper colour)."""
    turned = rotate_quarter(image, orientation.rotation)
    return deskew(turned, orientation.skew, fill)


def crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    left, top, right, bottom = box
    return np.ascontiguousarray(image[top:bottom, left:right])


def as_bilevel(grey: np.ndarray) -> np.ndarray:
    _, binary = cv2.threshold(grey, 127, 255, cv2.THRESH_BINARY)
    return binary
