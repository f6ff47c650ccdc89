"""Second reading of doubtful lines: upper-case lines (bold headings lose their diacritics) and lines of low
confidence are cut out, enlarged twice, stacked into one strip and read again in one engine call (block mode).

A line's new reading replaces the old one only when its mean confidence is higher.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

import cv2
import numpy as np

from ocr.engine import OcrEngine, RawWord

SCALE = 2.0
MAX_LINES = 24
MAX_STRIP_INCHES = 20.0
LOW_CONFIDENCE = 80.0
MAX_LINE_INCHES = 0.3  # lines taller than twice this (or twice the usual line) are not text lines worth it


def _doubtful(line: list[RawWord]) -> bool:
    letters = [c for w in line for c in w.text if c.isalpha()]
    if len(letters) < 3:
        return False
    upper = sum(c.isupper() for c in letters) / len(letters)
    mean = sum(w.conf for w in line) / len(line)
    return upper >= 0.8 or mean < LOW_CONFIDENCE


def reread_lines(
    grey: np.ndarray, words: list[RawWord], engine: OcrEngine, dpi: float, lang: str, timeout: int
) -> list[RawWord]:
    """`words` with doubtful lines replaced by their second reading where it is more confident."""
    lines = [list(g) for _, g in groupby(words, key=lambda w: w.line)]
    heights = sorted(line[0].line_box[3] for line in lines)
    usual = min(heights[len(heights) // 2] if heights else 0, dpi * MAX_LINE_INCHES)
    picked = [n for n, line in enumerate(lines) if line[0].line_box[3] <= 2 * usual and _doubtful(line)][:MAX_LINES]
    if not picked:
        return words
    height, width = grey.shape[:2]
    slots: list[tuple[int, int, int, int]] = []  # strip top, strip bottom, crop left, crop top (full image)
    crops = []
    y = 0
    for count, n in enumerate(picked):
        left, top, w, h = lines[n][0].line_box
        if y + (h * 5 / 3) * SCALE > MAX_STRIP_INCHES * dpi * SCALE:  # Tesseract refuses very tall images
            picked = picked[:count]
            break
        pad = max(4, h // 3)
        x0, y0 = max(0, left - pad), max(0, top - pad)
        x1, y1 = min(width, left + w + pad), min(height, top + h + pad)
        crop = cv2.resize(grey[y0:y1, x0:x1], None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
        crops.append(crop)
        slots.append((y, y + crop.shape[0], x0, y0))
        y += crop.shape[0] + round(h * SCALE)
    if not crops:
        return words
    strip = np.full((y, max(c.shape[1] for c in crops)), 255, np.uint8)
    for crop, (top, bottom, _, _) in zip(crops, slots, strict=True):
        strip[top:bottom, : crop.shape[1]] = crop
    again = engine.recognise(strip, dpi * SCALE, lang, timeout, psm=6)
    found: dict[int, list[RawWord]] = {}
    for word in again:
        centre = word.box[1] + word.box[3] / 2
        slot = next((i for i, (top, bottom, _, _) in enumerate(slots) if top <= centre < bottom), None)
        if slot is not None:
            found.setdefault(slot, []).append(word)
    for slot, n in enumerate(picked):
        new = sorted(found.get(slot, []), key=lambda w: w.box[0])
        old = lines[n]
        if not new or _mean(new) <= _mean(old):
            continue
        top, _, x0, y0 = slots[slot]
        lines[n] = [
            replace(
                w,
                box=(
                    x0 + round(w.box[0] / SCALE),
                    y0 + round((w.box[1] - top) / SCALE),
                    round(w.box[2] / SCALE),
                    round(w.box[3] / SCALE),
                ),
                line=old[0].line,
                line_box=old[0].line_box,
            )
            for w in new
        ]
    return [w for line in lines for w in line]


def _mean(line: list[RawWord]) -> float:
    total = sum(len(w.text) for w in line)
    return sum(w.conf * len(w.text) for w in line) / max(1, total)
