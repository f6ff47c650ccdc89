"""Page drawing shared by the benchmark's two renderers (`bench/synthetic.py`, `bench/docgen.py`): millimetres
to pixels and greedy line wrapping at a font's measured width.
"""

from __future__ import annotations

from PIL import ImageFont

MM_PER_INCH = 25.4


def mm_to_px(mm: float, dpi: float) -> int:
    return round(mm / MM_PER_INCH * dpi)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Words of `text` in lines no wider than `width` pixels when drawn in `face` (a longer word gets its own)."""
    lines: list[str] = []
    current: list[str] = []
    for word in text.split():
        if current and face.getlength(" ".join([*current, word])) > width:
            lines.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines
