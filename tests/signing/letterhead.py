"""Test pages laid out like Vietnamese official papers (Decree 30/2020 margins): the two-column letterhead
"ỦY BAN NHÂN DÂN" / "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", a title and body text, scanned into an image PDF
with an invisible ASCII text layer (so pdftotext shows what the page's own text layer holds).
"""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = Path("/usr/share/fonts/truetype/liberation2")
DPI = 150
LEFT_HEADER = ("ỦY BAN NHÂN DÂN", "XÃ HẢI LĂNG", "Số: 35/2026/QĐ-UBND")
RIGHT_HEADER = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Hải Lăng, ngày 20 tháng 11 năm 2026",
)
BODY = "Body text of the sample decision, line {n}, about the dossier of the citizen."
TEXT_LAYER = "Sohoa letterhead sample"


def _font(points: float, style: str = "Regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"LiberationSerif-{style}.ttf"), round(points / 72 * DPI))


def letterhead_image(*, top_mm: float = 20.0, left_mm: float = 30.0, right_mm: float = 15.0) -> Image.Image:
    """An A4 page: letterhead in two columns from `top_mm`, a red seal-like ring in the motto's corner is not
    drawn (results get the real seal), a title and body lines to the bottom margin."""
    px = lambda mm: round(mm / 25.4 * DPI)  # noqa: E731
    image = Image.new("L", (px(210), px(297)), 250)
    draw = ImageDraw.Draw(image)
    left, right, y0 = px(left_mm), px(210) - px(right_mm), px(top_mm)
    column = (right - left) / 2
    for col, lines in enumerate((LEFT_HEADER, RIGHT_HEADER)):
        centre, y = left + column * col + column / 2, y0
        for n, text in enumerate(lines):
            font = _font(12.5 if col == 0 else 12, "Bold" if n < 2 else "Italic" if col else "Regular")
            draw.text((centre, y), text, font=font, fill=15, anchor="ma")
            y += px(6.5)
        if col == 0:
            draw.line((centre - px(12), y0 + px(12), centre + px(12), y0 + px(12)), fill=15, width=2)
    y = y0 + px(32)
    draw.text(((left + right) / 2, y), "QUYẾT ĐỊNH", font=_font(14, "Bold"), fill=15, anchor="ma")
    y += px(12)
    body = _font(13)
    n = 1
    while y < px(297) - px(25):
        draw.text((left, y), BODY.format(n=n), font=body, fill=15)
        y += px(7)
        n += 1
    return image


def image_pdf(image: Image.Image, text: str = TEXT_LAYER) -> bytes:
    """A one-page A4 PDF showing `image`, with `text` as an invisible (render mode 3) text layer."""
    import pikepdf

    pdf = pikepdf.new()
    buf = BytesIO()
    image.save(buf, format="PNG")
    png = pikepdf.Stream(pdf, Image.open(BytesIO(buf.getvalue())).tobytes())
    png.Type, png.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    png.Width, png.Height = image.width, image.height
    png.ColorSpace, png.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    content = f"q 595 0 0 842 0 0 cm /Im0 Do Q BT 3 Tr /F1 10 Tf 100 400 Td ({text}) Tj ET".encode()
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=png), Font=pikepdf.Dictionary(F1=font)),
        Contents=pdf.make_stream(content),
    )
    pdf.pages.append(pikepdf.Page(page))
    out = BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def render(pdf: Path, dpi: int = 100) -> np.ndarray:
    """Page 1 as a person sees it (pdftoppm, grey), rows top to bottom."""
    done = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf)], capture_output=True, check=True
    )
    return np.asarray(Image.open(BytesIO(done.stdout)).convert("L"))


def page_text(pdf: Path) -> str:
    """pdftotext of page 1."""
    done = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode()
