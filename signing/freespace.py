"""Where a stamp fits: the page rendered small (poppler's pdftoppm), its ink found, and the blank spot of the
top band nearest the wanted corner chosen, so a stamp never covers text, a seal or the letterhead.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.logging import get_logger

log = get_logger(__name__)

RENDER_DPI = 50  # 1 px ≈ 1.44 pt: fine enough to see a text line, cheap to render
INK_LEVEL = 170  # grey levels below this are ink (text, seals, lines); paper and faint show-through are not

Rect = tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF user space (origin bottom-left)


@dataclass(frozen=True)
class InkMap:
    """Which pixels of a rendered page carry ink (rows top to bottom), and the page box they cover."""

    ink: np.ndarray
    box: Rect
    dpi: float

    @property
    def px_per_pt(self) -> float:
        return self.dpi / 72.0


def render_gray(pdf: bytes, page_index: int, dpi: float) -> np.ndarray | None:
    """Page `page_index` (0-based) rendered in grey by pdftoppm, or None when poppler is missing or fails."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        log.warning("stamp_placement_blind", detail="pdftoppm (poppler-utils) not found: stamps go to the corner")
        return None
    number = str(page_index + 1)
    args = [exe, "-gray", "-r", f"{dpi:g}", "-f", number, "-l", number, "-"]
    try:
        done = subprocess.run(args, input=pdf, capture_output=True, timeout=60, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        log.warning("stamp_placement_blind", detail=f"cannot render the page: {type(exc).__name__}")
        return None
    return _parse_pgm(done.stdout)


def _parse_pgm(data: bytes) -> np.ndarray | None:
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while pos < len(data) and data[pos : pos + 1].isspace():
            pos += 1
        start = pos
        while pos < len(data) and not data[pos : pos + 1].isspace():
            pos += 1
        if start == pos:
            return None
        fields.append(data[start:pos])
    if fields[0] != b"P5" or int(fields[3]) > 255:
        return None
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height, offset=pos + 1)
    return pixels.reshape(height, width)


def ink_map(pdf: bytes, page_index: int, box: Rect, dpi: float = RENDER_DPI) -> InkMap | None:
    """The page's ink, isolated specks (scanner dust) removed; None when the page cannot be rendered."""
    gray = render_gray(pdf, page_index, dpi)
    if gray is None:
        return None
    ink = gray < INK_LEVEL
    padded = np.pad(ink, 1)
    neighbours = sum(
        padded[1 + dy : padded.shape[0] - 1 + dy, 1 + dx : padded.shape[1] - 1 + dx]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    return InkMap(ink=ink & (neighbours > 0), box=box, dpi=dpi)


def _window_sums(integral: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Ink count of every rows×cols window, indexed by its top-left pixel."""
    return integral[rows:, cols:] - integral[:-rows, cols:] - integral[rows:, :-cols] + integral[:-rows, :-cols]


def find_spot(
    page: InkMap,
    sizes: Sequence[tuple[float, float]],
    corner: str,
    *,
    band: float,
    margin: float,
    gap: float,
) -> tuple[int, Rect] | None:
    """The first size (in the order given) that fits on blank paper `gap` points clear of any ink, inside the
    top `band` fraction of the page and `margin` points from its edges, nearest `corner`: first with the stamp's
    centre on the corner's half of the page, then anywhere across the band. Returns (index, rectangle)."""
    ink = page.ink
    height, width = ink.shape
    integral = np.zeros((height + 1, width + 1), dtype=np.int32)
    integral[1:, 1:] = ink.cumsum(0).cumsum(1)
    k = page.px_per_pt
    g, m = max(1, round(gap * k)), round(margin * k)
    right = corner.endswith("right")
    for same_half in (True, False):
        for index, (w_pt, h_pt) in enumerate(sizes):
            w, h = int(np.ceil(w_pt * k)), int(np.ceil(h_pt * k))
            top_limit = int(band * height) - h  # last allowed stamp top row
            rows, cols = h + 2 * g, w + 2 * g
            if rows > height or cols > width:
                continue
            sums = _window_sums(integral, rows, cols)
            tops = np.arange(sums.shape[0])[:, None] + g
            lefts = np.arange(sums.shape[1])[None, :] + g
            ok = (sums == 0) & (tops >= m) & (tops <= top_limit) & (lefts >= m) & (lefts + w <= width - m)
            if same_half:
                centre = lefts + w / 2
                ok &= centre >= width / 2 if right else centre <= width / 2
            if not ok.any():
                continue
            distance = tops + ((width - lefts - w) if right else lefts)
            r, c = np.unravel_index(np.where(ok, distance, np.iinfo(np.int64).max).argmin(), ok.shape)
            return index, _to_page(page, int(r) + g, int(c) + g, w_pt, h_pt)
    return None


def least_ink_spot(page: InkMap, size: tuple[float, float], corner: str, *, band: float, margin: float) -> Rect:
    """Where a stamp of `size` covers the least ink in the top band (the last resort when no blank spot fits)."""
    ink = page.ink
    height, width = ink.shape
    k = page.px_per_pt
    w, h = min(width, int(np.ceil(size[0] * k))), min(height, int(np.ceil(size[1] * k)))
    integral = np.zeros((height + 1, width + 1), dtype=np.int32)
    integral[1:, 1:] = ink.cumsum(0).cumsum(1)
    sums = _window_sums(integral, h, w).astype(np.float64)
    m = round(margin * k)
    tops = np.arange(sums.shape[0])[:, None]
    lefts = np.arange(sums.shape[1])[None, :]
    allowed = np.ones(sums.shape, dtype=bool)
    allowed &= (tops >= min(m, sums.shape[0] - 1)) & (tops <= max(int(band * height) - h, 0))
    allowed &= (lefts >= min(m, sums.shape[1] - 1)) & (lefts + w <= max(width - m, w))
    right = corner.endswith("right")
    distance = tops + ((width - lefts - w) if right else lefts)
    score = np.where(allowed, sums * 1e6 + distance, np.inf)
    r, c = np.unravel_index(score.argmin(), score.shape)
    return _to_page(page, int(r), int(c), size[0], size[1])


def _to_page(page: InkMap, top_px: int, left_px: int, w_pt: float, h_pt: float) -> Rect:
    x0, _, _, y1 = page.box
    k = page.px_per_pt
    left = x0 + left_px / k
    top = y1 - top_px / k
    return left, top - h_pt, left + w_pt, top
