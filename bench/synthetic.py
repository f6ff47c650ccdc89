"""Synthetic scans of Vietnamese administrative text with ground truth, for the OCR tests and the benchmark.

Pages are rendered from the seed regulations (`tests/data/seeds/*.txt`) in Liberation Serif (fonts-liberation2),
then degraded like a counter scanner's output, deterministically from a seed.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bench.drawing import mm_to_px, wrap

SEEDS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "seeds"
FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
PAPER = (246, 244, 238)
INK = (20, 20, 24)

HEADER_LEFT = ("ỦY BAN NHÂN DÂN", "TỈNH TÂY NINH", "Số: 35/2022/QĐ-UBND")
HEADER_RIGHT = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Tây Ninh, ngày 31 tháng 10 năm 2022",
)


@dataclass(frozen=True)
class Degradation:
    """What was done to a clean render; `rotation` is clockwise quarter turns in degrees, `skew` anticlockwise."""

    rotation: int = 0
    skew: float = 0.0
    noise: float = 0.0
    blur: float = 0.0
    shadow: float = 0.0
    border: bool = False
    stamp: bool = False
    jpeg_quality: int = 90
    blank: bool = False


@dataclass
class SyntheticPage:
    """One generated page: the clean render, the degraded scan (RGB arrays), the truth text and what was done."""

    index: int
    truth: str
    clean: np.ndarray
    degraded: np.ndarray
    dpi: int
    degradation: Degradation = field(default_factory=Degradation)

    def degraded_jpeg(self) -> bytes:
        return encode_jpeg(self.degraded, self.dpi, self.degradation.jpeg_quality)

    def clean_png(self) -> bytes:
        return encode_png(self.clean, self.dpi)


def encode_jpeg(rgb: np.ndarray, dpi: int, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality, dpi=(dpi, dpi))
    return out.getvalue()


def encode_png(rgb: np.ndarray, dpi: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def normalise_text(text: str) -> str:
    """NFC and collapsed whitespace: the form in which truth and OCR output are compared."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def seed_paragraphs(seeds_dir: Path = SEEDS_DIR, names: Sequence[str] | None = None) -> list[str]:
    """The seed regulations (all, or the files `names`) as paragraphs of plain text (markdown emphasis removed)."""
    paragraphs: list[str] = []
    paths = sorted(seeds_dir.glob("*.txt")) if names is None else [seeds_dir / name for name in names]
    for path in paths:
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = normalise_text(re.sub(r"[*_#`|>]+", "", raw))
            if len(line) >= 20 and "�" not in line:
                paragraphs.append(line)
    return paragraphs


def _font(size_px: int, style: str = "Regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / f"LiberationSerif-{style}.ttf"), size_px)


def render_page(
    paragraphs: Sequence[str],
    *,
    dpi: int = 300,
    width_mm: float = 210.0,
    height_mm: float = 297.0,
    header: bool = True,
    point_size: float = 13.0,
) -> tuple[np.ndarray, str]:
    """Render paragraphs onto a page until it is full; return the RGB image and the truth text (reading order)."""
    px = lambda mm: mm_to_px(mm, dpi)  # noqa: E731
    width, height = px(width_mm), px(height_mm)
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = px(25), width - px(15), px(18), height - px(18)
    size = round(point_size / 72 * dpi)
    body, bold = _font(size), _font(size, "Bold")
    line_height = round(size * 1.45)
    truth: list[str] = []
    y = top
    if header:
        column = (right - left) / 2
        for col, lines in enumerate((HEADER_LEFT, HEADER_RIGHT)):
            cy = y
            centre = left + column * col + column / 2 - (column * 0.05 if col == 0 else -column * 0.02)
            for n, text in enumerate(lines):
                font = bold if n < 2 else _font(size - 4, "Italic" if col else "Regular")
                font = _font(size - 3, "Bold") if n < 2 and col == 1 and n == 0 else font
                draw.text((centre, cy), text, font=font, fill=INK, anchor="ma")
                truth.append(text)
                cy += line_height
        y += line_height * 4
    for paragraph in paragraphs:
        for line in wrap(paragraph, body, right - left):
            if y + line_height > bottom:
                return np.asarray(image), "\n".join(truth)
            draw.text((left, y), line, font=body, fill=INK)
            truth.append(line)
            y += line_height
        y += size // 2
    return np.asarray(image), "\n".join(truth)


def _stamp(image: np.ndarray, rng: np.random.Generator, dpi: int) -> np.ndarray:
    h, w = image.shape[:2]
    radius = round(dpi * 0.7)
    cx, cy = int(rng.integers(w // 2, w - radius - 10)), int(rng.integers(h // 2, h - radius - 10))
    overlay = np.zeros((h, w), np.uint8)
    cv2.circle(overlay, (cx, cy), radius, 255, thickness=max(3, dpi // 60))
    cv2.circle(overlay, (cx, cy), round(radius * 0.8), 255, thickness=max(2, dpi // 100))
    cv2.drawMarker(overlay, (cx, cy), 255, cv2.MARKER_STAR, radius // 2, max(2, dpi // 80))
    alpha = (overlay.astype(np.float32) / 255.0 * 0.75)[..., None]
    red = np.array([200, 30, 40], np.float32)
    return (image * (1 - alpha) + red * alpha).astype(np.uint8)


def _rotate_expand(image: np.ndarray, angle: float, fill: tuple[int, int, int]) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=fill)


def degrade(image: np.ndarray, deg: Degradation, rng: np.random.Generator, dpi: int) -> np.ndarray:
    """Apply a degradation to a clean RGB render; the result is what a scanner might have produced."""
    out = image.copy()
    if deg.stamp:
        out = _stamp(out, rng, dpi)
    if deg.skew:
        out = _rotate_expand(out, deg.skew, PAPER)
    if deg.shadow:
        w = out.shape[1]
        ramp = np.linspace(1.0 - deg.shadow, 1.0, w, dtype=np.float32)
        ramp = ramp if rng.random() < 0.5 else ramp[::-1]
        out = (out.astype(np.float32) * ramp[None, :, None]).astype(np.uint8)
    if deg.border:
        for side in rng.choice(4, size=int(rng.integers(1, 4)), replace=False):
            thick = int(rng.integers(dpi // 15, dpi // 4))
            dark = int(rng.integers(15, 60))
            if side == 0:
                out[:thick] = dark
            elif side == 1:
                out[-thick:] = dark
            elif side == 2:
                out[:, :thick] = dark
            else:
                out[:, -thick:] = dark
    if deg.blur:
        out = cv2.GaussianBlur(out, (0, 0), deg.blur)
    if deg.noise:
        noise = rng.normal(0.0, deg.noise, out.shape[:2]).astype(np.float32)[..., None]
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if deg.rotation:
        out = np.ascontiguousarray(np.rot90(out, k=-(deg.rotation // 90)))
    return out


def blank_page(
    rng: np.random.Generator, paragraphs: Sequence[str], *, dpi: int, width_mm: float, height_mm: float
) -> np.ndarray:
    """A blank sheet with faint mirrored show-through from the other side, as duplex scans give."""
    back, _ = render_page(paragraphs, dpi=dpi, width_mm=width_mm, height_mm=height_mm, header=False)
    back = back[:, ::-1].astype(np.float32)
    paper = np.array(PAPER, np.float32)
    return (paper - (paper - back) * 0.06).astype(np.uint8)


def random_degradation(rng: np.random.Generator, *, max_skew: float = 4.0) -> Degradation:
    return Degradation(
        rotation=int(rng.choice([0, 0, 0, 90, 180, 270])),
        skew=float(np.round(rng.uniform(-max_skew, max_skew), 2)),
        noise=float(rng.uniform(4, 12)),
        blur=float(rng.uniform(0.0, 0.9)),
        shadow=float(rng.uniform(0.0, 0.35)),
        border=bool(rng.random() < 0.6),
        stamp=bool(rng.random() < 0.4),
        jpeg_quality=int(rng.integers(60, 86)),
    )


def make_page(
    index: int,
    degradation: Degradation,
    *,
    seed: int = 0,
    dpi: int = 300,
    width_mm: float = 210.0,
    height_mm: float = 297.0,
    header: bool = True,
    paragraphs: Sequence[str] | None = None,
) -> SyntheticPage:
    """One page: text chosen from the seeds (or `paragraphs`) by (seed, index), rendered, then degraded as given."""
    rng = np.random.default_rng([seed, index])
    paragraphs = seed_paragraphs() if paragraphs is None else paragraphs
    start = int(rng.integers(0, len(paragraphs) - 40))
    chosen = paragraphs[start : start + 40]
    if degradation.blank:
        clean = blank_page(rng, chosen, dpi=dpi, width_mm=width_mm, height_mm=height_mm)
        truth = ""
    else:
        clean, truth = render_page(chosen, dpi=dpi, width_mm=width_mm, height_mm=height_mm, header=header)
    degraded = degrade(clean, degradation, rng, dpi)
    return SyntheticPage(index, truth, clean, degraded, dpi, degradation)


def generate_pages(
    count: int,
    *,
    seed: int = 0,
    dpi: int = 300,
    blank_every: int = 10,
    max_skew: float = 4.0,
    paragraphs: Sequence[str] | None = None,
) -> list[SyntheticPage]:
    """`count` A4 pages with random degradations (every `blank_every`-th page blank), deterministic from seed."""
    rng = np.random.default_rng(seed)
    pages = []
    for index in range(count):
        degradation = random_degradation(rng, max_skew=max_skew)
        if blank_every and index % blank_every == blank_every - 1:
            degradation = Degradation(noise=6, jpeg_quality=75, blank=True)
        pages.append(make_page(index, degradation, seed=seed, dpi=dpi, paragraphs=paragraphs))
    return pages


def write_pages(pages: Sequence[SyntheticPage], folder: Path) -> list[Path]:
    """Write each page's degraded JPEG, clean PNG and truth text into folder; return the JPEG paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for page in pages:
        stem = folder / f"page-{page.index:03d}"
        stem.with_suffix(".jpg").write_bytes(page.degraded_jpeg())
        stem.with_suffix(".png").write_bytes(page.clean_png())
        stem.with_suffix(".txt").write_text(page.truth, encoding="utf-8")
        paths.append(stem.with_suffix(".jpg"))
    return paths
