"""A second page renderer for the OCR benchmark, independent of `bench/synthetic.py`: administrative documents in
several fonts with bold upper-case headings, two-column header and signature block, red seals and pen marks.

The truth text holds only printed black text, in reading order (left column, then right column); seals, pen
signatures and marks are not text to be read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bench.drawing import mm_to_px, wrap

FONTS = {
    "liberation-serif": ("/usr/share/fonts/truetype/liberation2/LiberationSerif-{}.ttf", "Regular", "Bold"),
    "liberation-sans": ("/usr/share/fonts/truetype/liberation2/LiberationSans-{}.ttf", "Regular", "Bold"),
    "dejavu-serif": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif{}.ttf", "", "-Bold"),
    "dejavu-sans": ("/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf", "", "-Bold"),
}
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass(frozen=True)
class Agency:
    """Who issues the document: the header's two upper-case lines, the place, the signer's title and name."""

    parent: str
    name: str
    place: str
    code: str
    signer_title: str
    signer: str


# Tuning and check splits draw agencies from different lists, like their texts.
AGENCIES = {
    "tuning": (
        Agency("ỦY BAN NHÂN DÂN", "TỈNH ĐIỆN BIÊN", "Điện Biên", "UBND", "CHỦ TỊCH", "Lê Thành Đô"),
        Agency("SỞ TƯ PHÁP", "TỈNH QUẢNG NGÃI", "Quảng Ngãi", "STP", "GIÁM ĐỐC", "Nguyễn Thị Hằng"),
        Agency("ỦY BAN NHÂN DÂN", "HUYỆN ĐỨC TRỌNG", "Đức Trọng", "UBND", "PHÓ CHỦ TỊCH", "Phạm Quốc Việt"),
    ),
    "check": (
        Agency("ỦY BAN NHÂN DÂN", "TỈNH ĐỒNG NAI", "Đồng Nai", "UBND", "CHỦ TỊCH", "Trần Văn Vĩnh"),
        Agency("SỞ NỘI VỤ", "TỈNH THỪA THIÊN HUẾ", "Huế", "SNV", "GIÁM ĐỐC", "Hoàng Thị Liễu"),
        Agency("ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ", "Cần Thơ", "UBND", "KT. CHỦ TỊCH", "Đặng Hữu Phước"),
    ),
}


@dataclass
class Rendered:
    """A clean page (RGB), its truth text and the boxes of its signature block (for seals and signatures)."""

    image: np.ndarray
    truth: str
    signature_box: tuple[int, int, int, int] | None


def font(family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    pattern, regular, heavy = FONTS[family]
    return ImageFont.truetype(pattern.format(heavy if bold else regular), size)


def render_document(
    rng: np.random.Generator,
    paragraphs: list[str],
    agency: Agency,
    *,
    family: str,
    dpi: int = 300,
    size_mm: tuple[float, float] = (210.0, 297.0),
    first_page: bool = True,
    signature: bool = True,
) -> Rendered:
    """Render one page: header and heading on a first page, body text, and a signature block at the end."""
    px = lambda mm: mm_to_px(mm, dpi)  # noqa: E731
    width, height = px(size_mm[0]), px(size_mm[1])
    paper = tuple(int(v) for v in rng.integers(236, 253, 3))
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    ink = (int(rng.integers(10, 40)),) * 3
    left, right, top, bottom = px(28), width - px(18), px(18), height - px(22)
    size = round(float(rng.uniform(12.5, 14)) / 72 * dpi)
    body, bold, small = font(family, size), font(family, size, True), font(family, round(size * 0.85))
    lead = round(size * float(rng.uniform(1.35, 1.6)))
    truth: list[str] = []
    y = top

    def column_lines(lines: list[tuple[str, ImageFont.FreeTypeFont]], x0: float, x1: float, y0: int) -> int:
        for text, face in lines:
            draw.text(((x0 + x1) / 2, y0), text, font=face, fill=ink, anchor="ma")
            truth.append(text)
            y0 += lead
        return y0

    if first_page:
        number = f"Số: {int(rng.integers(1, 300))}/{int(rng.integers(2015, 2025))}/QĐ-{agency.code}"
        date = f"{agency.place}, ngày {int(rng.integers(1, 29))} tháng {int(rng.integers(1, 13))} năm 2023"
        split = left + (right - left) * 0.42
        end_left = column_lines([(agency.parent, bold), (agency.name, bold), (number, small)], left, split, y)
        end_right = column_lines(
            [(MOTTO[0], font(family, round(size * 0.9), True)), (MOTTO[1], bold), (date, small)], split, right, y
        )
        y = max(end_left, end_right) + lead
        for text in ("QUYẾT ĐỊNH", *wrap(paragraphs[0].upper(), bold, (right - left) * 0.8)[:2]):
            draw.text(((left + right) / 2, y), text, font=bold, fill=ink, anchor="ma")
            truth.append(text)
            y += lead
        y += lead // 2
        paragraphs = paragraphs[1:]
    block = lead * 9 if signature else 0
    for n, paragraph in enumerate(paragraphs):
        heading = n % 5 == 2 and len(paragraph) < 160  # some paragraphs become bold upper-case headings
        face, text = (bold, paragraph.upper()) if heading else (body, paragraph)
        lines = wrap(text, face, right - left)
        if y + lead * len(lines) > bottom - block and n:
            break
        for line in lines:
            if y + lead > bottom - block:
                break
            draw.text((left, y), line, font=face, fill=ink)
            truth.append(line)
            y += lead
        y += size // 3
    box = None
    if signature:
        y += lead // 2
        split = left + (right - left) * 0.5
        recipients = [("Nơi nhận:", font(family, round(size * 0.85), True))]
        recipients += [(f"- {t};", font(family, round(size * 0.75))) for t in ("Như Điều 3", "Văn phòng Chính phủ")]
        recipients += [("- Lưu: VT.", font(family, round(size * 0.75)))]
        for text, face in recipients:
            draw.text((left, y), text, font=face, fill=ink)
            truth.append(text)
            y += round(lead * 0.8)
        y -= round(lead * 0.8) * len(recipients)
        title = "TM. " + agency.parent if not agency.signer_title.startswith("KT") else "KT. " + agency.parent
        sy = column_lines([(title, bold), (agency.signer_title.removeprefix("KT. "), bold)], split, right, y)
        name_y = sy + lead * 3
        draw.text(((split + right) / 2, name_y), agency.signer, font=bold, fill=ink, anchor="ma")
        truth.append(agency.signer)
        box = (round(split), y, round(right), name_y + lead)
    return Rendered(np.asarray(image).copy(), "\n".join(truth), box)


def seal(image: np.ndarray, rng: np.random.Generator, centre: tuple[int, int], dpi: int, text: str) -> np.ndarray:
    """A round red seal (two rings, a star, the agency's name around it) printed over the page (multiplied)."""
    radius = round(dpi * float(rng.uniform(0.75, 0.9)))
    side = radius * 2 + 20
    layer = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(layer)
    c = side // 2
    for r, t in ((radius, max(4, dpi // 50)), (round(radius * 0.68), max(3, dpi // 90))):
        draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=t)
    star = [
        (
            c + math.cos(math.pi / 2 + k * math.pi / 5) * (radius * (0.28 if k % 2 == 0 else 0.11)),
            c - math.sin(math.pi / 2 + k * math.pi / 5) * (radius * (0.28 if k % 2 == 0 else 0.11)),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=255)
    face = font("dejavu-sans", round(radius * 0.17), True)
    letters = list(text)
    for k, letter in enumerate(letters):
        angle = math.pi * (1.1 - 1.2 * k / max(1, len(letters) - 1)) + math.pi * 0.05
        glyph = Image.new("L", (round(face.size * 2), round(face.size * 2)), 0)
        ImageDraw.Draw(glyph).text((face.size, face.size), letter, font=face, fill=255, anchor="mm")
        glyph = glyph.rotate(math.degrees(angle) - 90, resample=Image.Resampling.BILINEAR)
        gx = c + math.cos(angle) * radius * 0.84 - face.size
        gy = c - math.sin(angle) * radius * 0.84 - face.size
        layer.paste(glyph, (round(gx), round(gy)), glyph)
    mask = np.asarray(layer, np.float32) / 255.0
    texture = rng.uniform(0.55, 1.0, mask.shape).astype(np.float32)  # stamp ink is uneven
    mask = np.asarray(cv2.GaussianBlur(mask * texture, (0, 0), 1.2), np.float32)
    red = np.array(rng.choice([[190, 25, 45], [215, 40, 50], [160, 20, 35]]), np.float32) / 255.0
    return _multiply(image, mask, red, centre)


def pen_signature(image: np.ndarray, rng: np.random.Generator, box: tuple[int, int, int, int]) -> np.ndarray:
    """A handwritten-like signature: a few loops of a smooth random curve in blue or black ink."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.float32)
    t = np.linspace(0, 1, 400)
    cx, cy = (x0 + x1) / 2, y0 + (y1 - y0) * 0.55
    span = (x1 - x0) * 0.35
    xs = cx - span + 2 * span * t + 25 * np.sin(t * float(rng.uniform(18, 30)))
    ys = cy + 45 * np.sin(t * float(rng.uniform(9, 16)) + float(rng.uniform(0, 6))) * np.sin(t * 3.1)
    points = np.stack([xs, ys], axis=1).astype(np.int32)
    cv2.polylines(mask, [points], False, 1.0, thickness=int(rng.integers(3, 6)), lineType=cv2.LINE_AA)
    colour = np.array(rng.choice([[30, 40, 150], [25, 25, 30]]), np.float32) / 255.0
    return _multiply(image, mask, colour, None)


def pen_marks(image: np.ndarray, rng: np.random.Generator, dpi: int) -> np.ndarray:
    """Handwritten-like marks a clerk adds: a tick in the margin, an underline, a circled word, a scribbled note."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.float32)
    thick = int(rng.integers(3, 6))
    for _ in range(int(rng.integers(2, 5))):
        kind = int(rng.integers(0, 3))
        x, y = int(rng.integers(w // 8, w * 7 // 8)), int(rng.integers(h // 5, h * 9 // 10))
        if kind == 0:  # tick in the left margin
            x = int(rng.integers(dpi // 8, dpi // 3))
            pts = np.array([[x, y], [x + dpi // 12, y + dpi // 10], [x + dpi // 4, y - dpi // 8]], np.int32)
            cv2.polylines(mask, [pts], False, 1.0, thick, cv2.LINE_AA)
        elif kind == 1:  # wavy underline
            xs = np.arange(x - dpi, x + dpi, 4)
            ys = y + 6 * np.sin(xs / 23.0)
            cv2.polylines(mask, [np.stack([xs, ys], 1).astype(np.int32)], False, 1.0, thick, cv2.LINE_AA)
        else:  # an ellipse around something
            axes = (int(rng.integers(dpi // 3, dpi)), int(rng.integers(dpi // 10, dpi // 5)))
            cv2.ellipse(mask, (x, y), axes, float(rng.uniform(-8, 8)), 10, 340, 1.0, thick, cv2.LINE_AA)
    colour = np.array(rng.choice([[30, 50, 170], [170, 30, 40], [40, 40, 40]]), np.float32) / 255.0
    return _multiply(image, mask, colour, None)


def _multiply(image: np.ndarray, mask: np.ndarray, colour: np.ndarray, centre: tuple[int, int] | None) -> np.ndarray:
    """Print `colour` through `mask` onto the page like ink: multiplied, so black text below stays black."""
    out = image.astype(np.float32)
    h, w = image.shape[:2]
    if centre is None:
        region, m = out, mask
    else:
        mh, mw = mask.shape
        x0, y0 = centre[0] - mw // 2, centre[1] - mh // 2
        xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + mw), min(h, y0 + mh)
        region, m = out[ya:yb, xa:xb], mask[ya - y0 : yb - y0, xa - x0 : xb - x0]
    region *= 1.0 - m[..., None] * (1.0 - colour[None, None, :])
    return np.clip(out, 0, 255).astype(np.uint8)
