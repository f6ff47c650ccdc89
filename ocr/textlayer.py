"""The invisible text layer of a page: one line of words at a time, each word stretched over its box.

Words are written in reading order with render mode 3 (invisible) in the glyphless font; 2-byte codes are the
characters' Unicode code points (NFC), so that copying, searching and `pdftotext` give the Vietnamese text back.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ocr.glyphless import GLYPH_WIDTH, UNITS_PER_EM
from ocr.models import Word

FONT_NAME = "/Ocr"


def encode_text(text: str) -> bytes:
    """NFC text as 2-byte codes (Basic Multilingual Plane only; other characters become U+FFFD)."""
    nfc = unicodedata.normalize("NFC", text)
    return "".join(c if ord(c) <= 0xFFFF and not 0xD800 <= ord(c) <= 0xDFFF else "\ufffd" for c in nfc).encode(
        "utf-16-be"
    )


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def text_layer(words: Sequence[Word], page_height_px: int, dpi: tuple[float, float]) -> bytes:
    """Content stream operators drawing the words invisibly over their places on the page image."""
    sx, sy = 72.0 / dpi[0], 72.0 / dpi[1]
    ops = ["BT", "3 Tr"]
    current_line: int | None = None
    size = 0.0
    for i, word in enumerate(words):
        _, line_top, _, line_h = word.line_box
        if line_h <= 0:
            line_top, line_h = word.top, word.height
        if word.line != current_line:
            current_line = word.line
            size = max(line_h * sy, 1.0)
            ops.append(f"{FONT_NAME} {_num(size)} Tf")
        nxt = words[i + 1] if i + 1 < len(words) else None
        same_line = nxt is not None and nxt.line == word.line and nxt.left > word.left
        text = word.text + " " if same_line else word.text
        width_px = (nxt.left - word.left) if same_line and nxt else word.width
        codes = encode_text(text)
        natural = len(codes) // 2 * GLYPH_WIDTH / UNITS_PER_EM * size
        stretch = 100.0 * max(width_px, 1) * sx / natural if natural else 100.0
        x, y = word.left * sx, (page_height_px - (line_top + line_h)) * sy
        ops.append(f"{_num(stretch)} Tz 1 0 0 1 {_num(x)} {_num(y)} Tm <{codes.hex().upper()}> Tj")
    ops.append("ET")
    return "\n".join(ops).encode("ascii")
