"""Image cleanup on NumPy arrays: dark border crop, quarter-turn orientation, deskew, illumination and noise.

Angles are found on a reduced binarised copy (projection profiles of ink points); the full-resolution image is
transformed once. The archival copy keeps its colour; OCR gets a flattened greyscale copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

ANALYSIS_DPI = 100.0
FINE_DPI = 150.0
MAX_POINTS = 400_000
PAPER_CLIP = 200


@dataclass(frozen=True)
class Orientation:
    """Clockwise quarter turn to apply (0, 90, 180, 270), skew to remove (degrees), and how it was decided."""

    rotation: int
    skew: float
    upright_ratio: float
    method: str


def ocr_grey(image: np.ndarray) -> np.ndarray:
    """Greyscale for OCR with coloured ink removed: the brightest channel plus the colour's saturation (brightest
    minus darkest channel), so a red seal or a blue pen stroke turns white while black text, even printed under
    the seal (multiplied inks stay dark in every channel), stays black."""
    if image.ndim == 2:
        return image
    red, green, blue = cv2.split(image)
    brightest = cv2.max(cv2.max(red, green), blue)
    darkest = cv2.min(cv2.min(red, green), blue)
    return cv2.add(brightest, cv2.subtract(brightest, darkest))  # saturating: coloured ink goes to 255


def reduce(grey: np.ndarray, dpi: float, target: float) -> tuple[np.ndarray, float]:
    """The image resampled to about `target` dpi (never enlarged) and the scale factor used."""
    scale = min(1.0, target / dpi)
    if scale >= 0.999:
        return grey, 1.0
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def reductions(grey: np.ndarray, dpi: float) -> tuple[tuple[np.ndarray, float], tuple[np.ndarray, float]]:
    """The FINE_DPI and the ANALYSIS_DPI copies of a page with their scales, the second reduced from the first:
    one pass over the full-resolution image instead of two."""
    fine, fine_scale = reduce(grey, dpi, FINE_DPI)
    small, scale = reduce(fine, dpi * fine_scale, ANALYSIS_DPI)
    return (fine, fine_scale), (small, fine_scale * scale)


def paper_level(small: np.ndarray) -> float:
    """The 90th percentile of an 8-bit image, from its histogram (a full sort cost ≈0.1 s/page)."""
    counts = np.cumsum(np.bincount(small.ravel(), minlength=256))
    return float(np.searchsorted(counts, 0.9 * counts[-1]))


def dark_border_box(small: np.ndarray, scale: float, full_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Box (left, top, right, bottom) in full-resolution pixels (`full_size` is height, width) that leaves out
    dark scanner borders; the whole image when there are none."""
    h, w = small.shape
    dark = small < 0.45 * paper_level(small)
    rows, cols = dark.mean(axis=1), dark.mean(axis=0)

    def inward(profile: np.ndarray, limit: int) -> int:
        n = 0
        while n < limit and profile[n] > 0.5:
            n += 1
        return n + 2 if n else 0

    top, bottom = inward(rows, h // 5), inward(rows[::-1], h // 5)
    left, right = inward(cols, w // 5), inward(cols[::-1], w // 5)
    full_h, full_w = full_size
    inset = lambda n: min(round(n / scale), full_h // 4, full_w // 4)  # noqa: E731
    return inset(left), inset(top), full_w - inset(right), full_h - inset(bottom)


def ink_mask(small: np.ndarray) -> np.ndarray:
    """Ink pixels of a reduced page: darker than the local background by a clear margin (Otsu, bounded)."""
    background = cv2.dilate(small, np.ones((9, 9), np.uint8))
    diff = cv2.subtract(background, small)
    level, _ = cv2.threshold(diff, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return diff > max(float(level), 40.0)


def _profile_score(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray) -> np.ndarray:
    scores = np.empty(len(angles))
    for i, angle in enumerate(np.deg2rad(angles)):
        proj = ys * np.cos(angle) - xs * np.sin(angle)
        hist = np.bincount((proj - proj.min()).astype(np.int64))
        scores[i] = float(np.sum(np.diff(hist.astype(np.float64)) ** 2))
    return scores


def _points(mask: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(mask)
    if len(ys) > MAX_POINTS:
        pick = np.random.default_rng(seed).choice(len(ys), MAX_POINTS, replace=False)
        ys, xs = ys[pick], xs[pick]
    return ys.astype(np.float64), xs.astype(np.float64)


def find_skew(mask: np.ndarray, max_angle: float = 10.0) -> tuple[float, float, float]:
    """(angle, score of horizontal lines, score of vertical lines): angle in degrees, anticlockwise skew of the
    text lines in image coordinates; the two scores tell a page on its side from an upright one."""
    ys, xs = _points(mask)
    if len(ys) < 50:
        return 0.0, 0.0, 0.0
    coarse = np.arange(-max_angle, max_angle + 0.01, 0.5)
    horizontal = _profile_score(ys, xs, coarse)
    vertical = _profile_score(xs, ys, coarse)
    best = coarse[int(np.argmax(horizontal))] if horizontal.max() >= vertical.max() else None
    if best is None:
        return float(coarse[int(np.argmax(vertical))]), float(horizontal.max()), float(vertical.max())
    return float(best), float(horizontal.max()), float(vertical.max())


def refine_skew(mask: np.ndarray, around: float, span: float = 0.6, step: float = 0.05) -> float:
    ys, xs = _points(mask)
    if len(ys) < 50:
        return around
    angles = np.arange(around - span, around + span + step / 2, step)
    scores = _profile_score(ys, xs, angles)
    return float(angles[int(np.argmax(scores))])


def upright_ratio(mask: np.ndarray) -> float:
    """Ink above the x-height band over ink below it, summed over text lines: >1 upright, <1 upside down.

    Latin script, and Vietnamese more so (diacritics, capitals, ascenders), puts far more ink above the band.
    """
    profile = mask.sum(axis=1).astype(np.float64)
    on = profile > 0.02 * mask.shape[1]
    above = below = 0.0
    y = 0
    n = len(profile)
    while y < n:
        if not on[y]:
            y += 1
            continue
        start = y
        while y < n and on[y]:
            y += 1
        line = profile[start:y]
        if len(line) < 4:
            continue
        core = np.nonzero(line >= 0.5 * line.max())[0]
        above += float(line[: core[0]].sum())
        below += float(line[core[-1] + 1 :].sum())
    return (above + 1.0) / (below + 1.0)


def rotate_quarter(image: np.ndarray, rotation: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[rotation]) if rotation in codes else image


def deskew(image: np.ndarray, angle: float, fill: tuple[int, ...] | int) -> np.ndarray:
    """Rotate by `angle` degrees (positive: anticlockwise), canvas enlarged so nothing is cut, corners filled."""
    if abs(angle) < 0.05:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = round(h * sin + w * cos), round(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    border = fill if isinstance(fill, int) else tuple(int(v) for v in fill)
    return cv2.warpAffine(image, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=border)


def flatten(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Uneven illumination removed (divide by a background estimated at low resolution) and noise smoothed."""
    small, _ = reduce(grey, dpi, 50.0)
    background = cv2.dilate(small, np.ones((7, 7), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), 3)
    background = cv2.resize(background, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.medianBlur(cv2.divide(grey, np.maximum(background, 1), scale=255), 3)
    flat[flat > PAPER_CLIP] = 255  # paper is paper: fewer specks for Tesseract to look at (~10% less CPU)
    return flat


SPECKLE_INK_LEVEL = 90
# Dirty-drum streaks on a flattened copy: over STREAK_MIDTONES of it mid-grey (MIDTONES) and spread evenly along the
# streaks (the mid-grey's profile across rows or across columns varies by less than STREAK_EVENNESS of its mean).
# Tuning: the two streaked pages 0.126 / 0.177 mid-grey, evenness 0.28 / 0.23; other pages at most 0.110 (a noisy
# project page, evenness 0.96), evenness at least 0.55; text lines make rows uneven, streaks make them even. 0.6
# (was 0.4, "Ninth round"): a streaked augraphy page of the 8-page tuning split (0.151 mid-grey, rows 0.50: its
# text lines between the streaks) was missed, read whole by Tesseract's layout (2.7 CPU s) and then dropped anyway.
MIDTONES = (64, 192)
STREAK_MIDTONES = 0.08
STREAK_EVENNESS = 0.6


def streaked(flat: np.ndarray) -> bool:
    """Whether a flattened copy (150 dpi is enough) is covered by a dirty drum's streaks of grey speckle: much
    mid-grey, as much in every row (vertical streaks) or in every column (horizontal ones), unlike printed lines."""
    mid = cv2.inRange(flat, *MIDTONES) > 0
    share = float(mid.mean())
    if share < STREAK_MIDTONES:
        return False
    evenness = min(float(profile.std() / profile.mean()) for profile in (mid.mean(axis=0), mid.mean(axis=1)))
    return evenness < STREAK_EVENNESS


def despeckle(flat: np.ndarray) -> np.ndarray:
    """A flattened page with only ink darker than SPECKLE_INK_LEVEL kept, stretched to full contrast: the grey
    speckle clouds of a dirty scanner drum turn white while printed text (near black once flattened) stays.
    It thins faint diacritics on clean pages, so it is used only on a page first read as unreadable."""
    return cv2.convertScaleAbs(flat, alpha=255.0 / SPECKLE_INK_LEVEL)
