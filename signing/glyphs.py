"""Stamp text drawn as glyph outlines (filled vector paths): sharp at any zoom, yet never part of the page's
text layer, so a stamp's words do not enter the document's searchable text (pdftotext, copy and paste, search).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools.pens.basePen import BasePen

Point = tuple[float, float]


class _PdfPathPen(BasePen):
    """Collects a glyph outline as PDF path operators in font units (quadratic curves become cubic ones)."""

    def __init__(self, glyph_set: Any) -> None:
        super().__init__(glyph_set)
        self.ops: list[str] = []

    def _moveTo(self, pt: Point) -> None:
        self.ops.append(f"{pt[0]:g} {pt[1]:g} m")

    def _lineTo(self, pt: Point) -> None:
        self.ops.append(f"{pt[0]:g} {pt[1]:g} l")

    def _curveToOne(self, pt1: Point, pt2: Point, pt3: Point) -> None:
        coords = " ".join(f"{round(v, 1):g}" for p in (pt1, pt2, pt3) for v in p)
        self.ops.append(f"{coords} c")

    def _closePath(self) -> None:
        self.ops.append("h")


class OutlineFont:
    """A TrueType font read once: advance widths, vertical metrics and glyph outlines as PDF path data."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont

        self._font = TTFont(str(path), lazy=True)
        self._cmap: dict[int, str] = self._font.getBestCmap()
        self._glyphs = self._font.getGlyphSet()
        self._hmtx = self._font["hmtx"]
        self.units_per_em = float(self._font["head"].unitsPerEm)
        hhea = self._font["hhea"]
        self.ascent = hhea.ascent / self.units_per_em  # in em
        self.descent = -hhea.descent / self.units_per_em  # positive, in em
        self._paths: dict[str, bytes] = {}

    def _glyph(self, char: str) -> str:
        return self._cmap.get(ord(char)) or self._cmap.get(ord("?"), ".notdef")

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points (NFC, no kerning)."""
        text = unicodedata.normalize("NFC", text)
        return sum(self._hmtx[self._glyph(ch)][0] for ch in text) * size / self.units_per_em

    def _path(self, glyph: str) -> bytes:
        cached = self._paths.get(glyph)
        if cached is None:
            pen = _PdfPathPen(self._glyphs)
            self._glyphs[glyph].draw(pen)
            cached = self._paths[glyph] = (" ".join(pen.ops) + (" f" if pen.ops else "")).encode()
        return cached

    def draw(self, text: str, size: float, x: float, y: float) -> bytes:
        """PDF operators filling `text`'s outlines with its baseline starting at (x, y), in the current colour."""
        text = unicodedata.normalize("NFC", text)
        scale = size / self.units_per_em
        parts = [b"q %g 0 0 %g %g %g cm" % (scale, scale, x, y)]
        pen_x = 0
        for ch in text:
            glyph = self._glyph(ch)
            path = self._path(glyph)
            if path:
                parts.append(b"q 1 0 0 1 %d 0 cm %s Q" % (pen_x, path))
            pen_x += self._hmtx[glyph][0]
        parts.append(b"Q")
        return b" ".join(parts)


@lru_cache(maxsize=4)
def outline_font(path: Path) -> OutlineFont:
    """The font at `path`, loaded once per process."""
    return OutlineFont(path)
