"""Draws the sample red seal shipped in `signing/data/sample_seal.png` (for development and tests only).

A real agency supplies a scan of its own seal; this one says plainly that it is a sample.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SEAL_DPI = 300
SEAL_DIAMETER_MM = 36.0
RED = (218, 30, 40, 255)


def draw_sample_seal(target: Path, font_path: Path) -> Path:
    """A round red seal, 36 mm across at 300 dpi, transparent outside; returns `target`."""
    size = round(SEAL_DIAMETER_MM / 25.4 * SEAL_DPI)
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, size - 7, size - 7), outline=RED, width=12)
    draw.ellipse((44, 44, size - 45, size - 45), outline=RED, width=4)
    big = ImageFont.truetype(str(font_path), 34)
    small = ImageFont.truetype(str(font_path), 30)
    centre = size / 2
    draw.regular_polygon((centre, centre - 70, 34), 5, fill=RED)
    for text, font, dy in (("MẪU — KHÔNG", small, -10), ("CÓ GIÁ TRỊ", small, 30), ("SAMPLE SEAL", big, 85)):
        draw.text((centre, centre + dy), text, font=font, fill=RED, anchor="mm")
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, dpi=(SEAL_DPI, SEAL_DPI))
    return target


SAMPLE_SEAL = Path(__file__).parent / "data" / "sample_seal.png"
