"""The invisible text layer's font: a TrueType font with one empty glyph, built with fontTools.

Every character code maps to that glyph (width 500/1000 em); a ToUnicode CMap gives the text back, as in
Tesseract's and OCRmyPDF's "GlyphLessFont". Text drawn with it in render mode 3 is searchable but never seen.
"""

from __future__ import annotations

import io
from functools import lru_cache

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

GLYPH_WIDTH = 500
UNITS_PER_EM = 1000


@lru_cache(maxsize=1)
def glyphless_font() -> bytes:
    """TrueType bytes of the glyphless font (two empty glyphs: .notdef and the one all codes map to)."""
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({0x20: "blank"})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "blank": empty})
    builder.setupHorizontalMetrics({".notdef": (GLYPH_WIDTH, 0), "blank": (GLYPH_WIDTH, 0)})
    builder.setupHorizontalHeader(ascent=UNITS_PER_EM, descent=0)
    builder.setupNameTable({"familyName": "GlyphLessFont", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=UNITS_PER_EM, sTypoDescender=0, usWinAscent=UNITS_PER_EM, usWinDescent=0)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def cid_to_gid_map() -> bytes:
    """Every 2-byte character code (CID) to glyph 1."""
    return b"\x00\x01" * 65536


@lru_cache(maxsize=1)
def to_unicode_cmap() -> bytes:
    """CMap mapping each 2-byte code to the same UTF-16 code unit (codes are the text's code points)."""
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    chunks = [ranges[i : i + 100] for i in range(0, len(ranges), 100)]
    body = "\n".join(f"{len(c)} beginbfrange\n" + "\n".join(c) + "\nendbfrange" for c in chunks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")
