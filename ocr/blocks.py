"""Text blocks found by sohoa on the flattened OCR copy, in reading order, so that Tesseract reads each block as one
block of text (`PSM.SINGLE_BLOCK` on a rectangle) instead of analysing the whole page's layout (≈30% of its CPU).

Print is smeared into blocks at a quarter of the resolution: words of a line join (gaps under 30 px at 300 dpi), lines
of a paragraph join (under 60 px), while the gutter of a two-column header or a signature block stays open. Rules,
specks, stray pen dots and faint marks (what is left of a pen signature or seal) are no blocks. Blocks are ordered
by a recursive XY cut: rows of blocks top to bottom, and side-by-side blocks (agency beside the motto, "Nơi nhận"
beside the signer) left column first.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.engine import Box

REDUCTION = 4
INK_LEVEL = 160  # darker than this in the flattened copy (paper is 255) is print
WORD_GAP_PX = 30  # at 300 dpi: gaps narrower than this join words into a line
LINE_GAP_PX = 60  # at 300 dpi: gaps lower than this join lines into a block
MIN_HEIGHT_PX = 12  # at 300 dpi: thinner is a rule, an underline or a streak of dirt, not a line of print
MIN_SIZE_PX = 24  # at 300 dpi: a block whose longer side is shorter than 2 mm is a speck or a pen dot
MERGE_PASSES = 6
MAX_BLOCKS = 40  # text pages of the tuning split: 7-9 blocks; a streaked, speckled page: 114-127
FAINTER_BY = 60  # a block whose median ink is this much lighter than the page's print is no print


def text_blocks(flat: np.ndarray, dpi: float) -> list[Box] | None:
    """The blocks of print on a flattened OCR copy (black on white), in reading order; None when the print falls
    into more than MAX_BLOCKS pieces (streaks, speckle, a dense form): Tesseract's own layout analysis of the whole
    page is then the better reading, and block by block it would be read twice (see page.py)."""
    height, width = flat.shape[:2]
    small_size = (max(1, width // REDUCTION), max(1, height // REDUCTION))
    ink = np.where(flat < INK_LEVEL, np.uint8(255), np.uint8(0))
    small = (cv2.resize(ink, small_size, interpolation=cv2.INTER_AREA) > 20).astype(np.uint8)
    unit = dpi / 300.0 / REDUCTION
    kernel = cv2.getStructuringElement(
        cv2.MORPH_RECT, (max(1, round(WORD_GAP_PX * unit)), max(1, round(LINE_GAP_PX * unit)))
    )
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    _, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    least, thinnest = MIN_SIZE_PX * dpi / 300.0, MIN_HEIGHT_PX * dpi / 300.0
    boxes = [
        (int(x), int(y), int(w), int(h))
        for x, y, w, h, _ in stats[1:]
        if h * REDUCTION >= thinnest and max(w, h) * REDUCTION >= least
    ]
    boxes = _merged(boxes, closed.shape)
    if len(boxes) > MAX_BLOCKS:
        return None
    pad = 2
    out: list[Box] = []
    for x, y, w, h in boxes:  # back to full resolution, two reduced pixels of margin
        left, top = max(0, (x - pad) * REDUCTION), max(0, (y - pad) * REDUCTION)
        right, bottom = min(width, (x + w + pad) * REDUCTION), min(height, (y + h + pad) * REDUCTION)
        out.append((left, top, right - left, bottom - top))
    return xy_order(_printed(flat, out))


def _printed(flat: np.ndarray, boxes: list[Box]) -> list[Box]:
    """The blocks whose ink is as dark as the page's print: faint ones (the grey left of a pen signature or a seal
    once their colour is taken out, show-through, dirt) are no text to read (median ink of such marks ≈140 against
    ≈30 for print on the seal-covered signature block test)."""
    inks = [flat[y : y + h : 2, x : x + w : 2] for x, y, w, h in boxes]
    inks = [block[block < INK_LEVEL] for block in inks]
    everything = np.concatenate(inks) if inks else np.zeros(0, np.uint8)
    if not everything.size:
        return []
    page = float(np.median(everything))
    return [box for box, ink in zip(boxes, inks, strict=True) if ink.size and np.median(ink) <= page + FAINTER_BY]


def _merged(boxes: list[Box], shape: tuple[int, ...]) -> list[Box]:
    """Overlapping boxes made one (a wide gap inside a bold heading leaves a piece inside its paragraph's box):
    the boxes are painted and their connected components taken again until nothing changes."""
    for _ in range(MERGE_PASSES):
        canvas = np.zeros(shape[:2], np.uint8)
        for x, y, w, h in boxes:
            canvas[y : y + h, x : x + w] = 1
        _, _, stats, _ = cv2.connectedComponentsWithStats(canvas, connectivity=4)
        merged = [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in stats[1:]]
        if len(merged) == len(boxes):
            return merged
        boxes = merged
    return boxes


def xy_order(boxes: list[Box]) -> list[Box]:
    """Blocks in reading order by a recursive XY cut: split where no block spans a horizontal band (rows, top to
    bottom), else where none spans a vertical band (columns, left to right), and so on inside each part."""
    if len(boxes) <= 1:
        return list(boxes)
    for axis in (1, 0):
        spans = sorted(boxes, key=lambda b: b[axis])
        groups = [[spans[0]]]
        end = spans[0][axis] + spans[0][axis + 2]
        for box in spans[1:]:
            if box[axis] >= end:
                groups.append([])
            groups[-1].append(box)
            end = max(end, box[axis] + box[axis + 2])
        if len(groups) > 1:
            return [box for group in groups for box in xy_order(group)]
    return sorted(boxes, key=lambda b: (b[1], b[0]))
