"""The sheet of paper within a scan or a photo: found, cut out of its background (perspective undone), its
illumination evened out, and its size snapped to a standard paper (A4, A3, A5, Letter, Legal) at the scan's
resolution, so that the archived page is the paper at 100% scale.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ocr.cleanup import reduce

# Paper sizes in millimetres (portrait); a page within SNAP of one of them (either orientation) takes its size.
PAPERS = {
    "A5": (148.0, 210.0),
    "A4": (210.0, 297.0),
    "A3": (297.0, 420.0),
    "Letter": (215.9, 279.4),
    "Legal": (215.9, 355.6),
}
SNAP = 0.06
MIN_PAPER_SHARE = 0.35  # a found sheet must cover this much of the image
MAX_PAPER_SHARE = 0.97  # and leave this much background, else the image is the sheet already
GAIN_STEPS = 64.0


def find_paper(small: np.ndarray) -> np.ndarray | None:
    """The four corners (top-left, top-right, bottom-right, bottom-left; x, y in `small`'s pixels) of a sheet
    lying on a darker background (a desk, a scanner lid), or None when the image is the sheet already.

    The sheet's outline is the outer contour of the sharp edges (a shadow's edge is soft and stays out); it is
    kept only when the band just outside it is clearly darker than the band just inside.
    """
    blurred = cv2.GaussianBlur(small, (0, 0), 1.5)
    edges = cv2.dilate(cv2.Canny(blurred, 30, 90), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    share = cv2.contourArea(hull) / float(small.shape[0] * small.shape[1])
    if not MIN_PAPER_SHARE <= share <= MAX_PAPER_SHARE:
        return None
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(quad) != 4:
        quad = cv2.boxPoints(cv2.minAreaRect(hull)).reshape(4, 1, 2)
    inside = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.reshape(4, 2).astype(np.int32), 1)
    ring = np.ones((9, 9), np.uint8)
    outer = (cv2.dilate(inside, ring) - inside).astype(bool)
    inner = (inside - cv2.erode(inside, ring)).astype(bool)
    if not outer.any() or float(np.median(small[inner])) - float(np.median(small[outer])) < 30:
        return None
    return _order(quad.reshape(4, 2).astype(np.float32))


def _order(points: np.ndarray) -> np.ndarray:
    sums, diffs = points.sum(axis=1), np.diff(points, axis=1).ravel()
    order = [np.argmin(sums), np.argmin(diffs), np.argmax(sums), np.argmax(diffs)]
    return np.array([points[i] for i in order], np.float32)


def cut_out(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The sheet within `corners` (full-resolution pixels) warped to an upright rectangle of its own size."""
    tl, tr, br, bl = corners
    width = round((np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2)
    height = round((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2)
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def paper_corners(grey: np.ndarray, dpi: float) -> np.ndarray | None:
    """`find_paper` on a 50-dpi copy, corners in full-resolution pixels, pulled 0.5 mm inwards (no edge left)."""
    small, scale = reduce(grey, dpi, 50.0)
    corners = find_paper(small)
    if corners is None:
        return None
    full = corners / scale
    centre = full.mean(axis=0)
    inset = dpi / 25.4 * 0.5 + 1 / scale
    towards = centre - full
    return (full + towards / np.linalg.norm(towards, axis=1, keepdims=True) * inset * math.sqrt(2)).astype(np.float32)


def inner_size(size: tuple[int, int], angle: float) -> tuple[int, int]:
    """(width, height) of the upright sheet whose turn by `angle` degrees (canvas enlarged) gave an image of `size`.

    A scan whose skewed content fills the image is taken as that sheet turned: deskewing enlarges the canvas
    again, and this is the part of it that is paper.
    """
    width, height = size
    theta = math.radians(abs(angle))
    cos, sin, cos2 = math.cos(theta), math.sin(theta), math.cos(2 * theta)
    if cos2 <= 0.5:
        return width, height
    return max(1, round((width * cos - height * sin) / cos2)), max(1, round((height * cos - width * sin) / cos2))


def centre_crop(image: np.ndarray, size: tuple[int, int], fill: tuple[int, ...] | int) -> np.ndarray:
    """`image` cut or padded (with `fill`) around its centre to exactly `size` (width, height)."""
    width, height = size
    h, w = image.shape[:2]
    sx, dx = max(0, (w - width) // 2), max(0, (width - w) // 2)
    sy, dy = max(0, (h - height) // 2), max(0, (height - h) // 2)
    cw, ch = min(w, width), min(h, height)
    cut = image[sy : sy + ch, sx : sx + cw]
    if (cw, ch) == (width, height):
        return np.ascontiguousarray(cut)
    value = fill if isinstance(fill, int) else tuple(int(v) for v in fill)
    return cv2.copyMakeBorder(
        cut, dy, height - ch - dy, dx, width - cw - dx, cv2.BORDER_CONSTANT, value=value
    )  # OpenCV pads in a fraction of the time NumPy fills a full-page canvas


def standard_size(size: tuple[int, int], dpi: float) -> tuple[int, int] | None:
    """The pixel size of the standard paper within SNAP of `size` at `dpi` (same orientation), or None."""
    width, height = size
    for short, long in PAPERS.values():
        for pw, ph in ((short, long), (long, short)):
            tw, th = round(pw / 25.4 * dpi), round(ph / 25.4 * dpi)
            if abs(width - tw) <= SNAP * tw and abs(height - th) <= SNAP * th:
                return tw, th
    return None


def even_light(image: np.ndarray, dpi: float) -> np.ndarray:
    """Shadows and uneven illumination divided out of the colour (or grey) image: the paper comes out evenly at
    its brightest level, ink and colours keep their hue."""
    grey = image if image.ndim == 2 else cv2.max(cv2.max(image[..., 0], image[..., 1]), image[..., 2])
    small, _ = reduce(grey, dpi, 50.0)
    background = cv2.GaussianBlur(cv2.dilate(small, np.ones((7, 7), np.uint8)), (0, 0), 3)
    level = float(np.percentile(background, 95))
    gain = cv2.resize(
        level / np.maximum(background.astype(np.float32), 1.0),
        (grey.shape[1], grey.shape[0]),
        interpolation=cv2.INTER_LINEAR,
    )
    # in 1/64 steps as 8-bit (gain at most 3): merging and multiplying 8-bit planes costs a third of float ones
    gain = cv2.convertScaleAbs(np.minimum(gain, 3.0), alpha=GAIN_STEPS)
    if image.ndim == 3:
        gain = cv2.merge([gain, gain, gain])
    return cv2.multiply(image, gain, scale=1.0 / GAIN_STEPS, dtype=cv2.CV_8U)


def fit_to_paper(
    levelled: np.ndarray, turned: tuple[int, int], skew: float, dpi: float, fill: tuple[int, ...] | int
) -> np.ndarray:
    """A turned and deskewed page trimmed to its sheet: the canvas deskewing added taken off again (`turned` is
    the size before deskewing), then cut or padded to the standard paper size it is within SNAP of."""
    out = levelled
    if abs(skew) >= 0.05:
        out = centre_crop(out, inner_size(turned, skew), fill)
    size = standard_size((out.shape[1], out.shape[0]), dpi)
    if size is not None and size != (out.shape[1], out.shape[0]):
        out = centre_crop(out, size, fill)
    return out


def uneven(image: np.ndarray, dpi: float) -> bool:
    """Whether the paper's brightness varies enough (shadow, lamp, fold) to be worth evening out."""
    small, _ = reduce(image, dpi, 25.0)  # reduced first: NumPy's max over channels at full size cost 0.3 s
    small = small if small.ndim == 2 else small.max(axis=2)
    background = cv2.dilate(small, np.ones((5, 5), np.uint8))
    return float(np.percentile(background, 5)) < 0.9 * float(np.percentile(background, 95))
