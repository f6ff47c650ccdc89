"""Visible signature stamps: officer (top-left), agency with red seal and certified copy (top-right).

A `StampSpec` is plain data (text lines wide and compact, optional PNG, placement); `layouts` sizes it to its
text, `signing.placement` finds blank paper for it, and `stamp_style` draws it as outlines (no text layer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.timezone import now_vn, to_vn
from signing.glyphs import OutlineFont
from signing.settings import StampPlacement, signing_settings

if TYPE_CHECKING:
    from pyhanko.stamp import StaticStampStyle

CERTIFIED_COPY_TITLE = "Bản sao điện tử chứng thực từ bản chính"
DEFAULT_IMAGE_DPI = 300.0
IMAGE_GAP = 4.0
PAD_X = 3.0
PAD_Y = 2.0
LEADING = 1.18  # line pitch in font sizes
MIN_FONT_SIZE = 8.0  # readable at 100% scale
SMALL_IMAGES = (0.6, 0.4, 0.3)  # a seal may shrink to these (after the text reached its minimum size)
READABLE_SEAL = 0.6  # a seal below this share of its actual size reads as a red dot: only where nothing else fits


class StampKind(StrEnum):
    OFFICER = "officer"
    AGENCY = "agency"
    CERTIFIED_COPY = "certified_copy"


@dataclass(frozen=True)
class StampSpec:
    """What a visible stamp shows and where: text lines (wide, and a compact form for narrow spaces), an
    optional PNG drawn beside the text, and the placement (page, corner, margin, band to search)."""

    kind: StampKind
    lines: tuple[str, ...]
    placement: StampPlacement
    compact: tuple[str, ...] = ()
    image: Path | None = None
    font_size: float = 10.0
    border_width: int = 1
    text_color: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def with_note(self, wide: str, compact: tuple[str, ...]) -> StampSpec:
        """The same stamp with a note line added (e.g. the level actually reached)."""
        return replace(self, lines=(*self.lines, wide), compact=(*(self.compact or self.lines), *compact))


@dataclass(frozen=True)
class StampLayout:
    """One concrete form of a stamp: its lines at a font size, its whole size and the image's size (points)."""

    spec: StampSpec
    lines: tuple[str, ...]
    font_size: float
    width: float
    height: float
    image_size: tuple[float, float] | None
    last_resort: bool = False  # its seal is below READABLE_SEAL of actual size: tried where no other form fits


def stamp_time_vn(moment: dt.datetime) -> str:
    """The signing-stamp time format, dd/MM/yyyy HH:mm:ss in Vietnam time."""
    return to_vn(moment).strftime("%d/%m/%Y %H:%M:%S")


def clock_vn(moment: dt.datetime) -> str:
    """The certified-copy time format, hh:mm:ss dd/mm/yyyy in Vietnam time."""
    return to_vn(moment).strftime("%H:%M:%S %d/%m/%Y")


def iso_vn(moment: dt.datetime) -> str:
    """ISO 8601 in Vietnam time to the second, e.g. 2026-11-22T09:15:02+07:00."""
    return to_vn(moment).replace(microsecond=0).isoformat()


def officer_stamp(
    officer_name: str,
    scan_time: dt.datetime,
    *,
    unit: str | None = None,
    signature_png: Path | None = None,
    placement: StampPlacement | None = None,
) -> StampSpec:
    """The digitising officer's stamp (Circular 01/2023 art. 8): name, unit and signing time, top-left of page 1."""
    settings = signing_settings()
    when = stamp_time_vn(scan_time)
    units = (unit,) if unit else ()
    return StampSpec(
        kind=StampKind.OFFICER,
        lines=(f"Người số hóa: {officer_name}", *units, f"Thời gian ký: {when}"),
        compact=("Người số hóa:", officer_name, *units, "Thời gian ký:", when),
        placement=placement or settings.officer_stamp,
        image=signature_png,
        font_size=settings.stamp_font_size,
    )


def agency_stamp(
    agency_name: str,
    seal_png: Path,
    *,
    at: dt.datetime | None = None,
    placement: StampPlacement | None = None,
) -> StampSpec:
    """The agency's stamp (Circular 02/2019): red seal, agency name and time, top-right of page 1."""
    settings = signing_settings()
    when = stamp_time_vn(at or now_vn())
    return StampSpec(
        kind=StampKind.AGENCY,
        lines=(agency_name, f"Thời gian ký: {when}"),
        compact=(agency_name, "Thời gian ký:", when),
        placement=placement or settings.agency_stamp,
        image=seal_png,
        font_size=settings.stamp_font_size,
    )


def certified_copy_stamp(
    agency_name: str,
    certification_number: str,
    *,
    at: dt.datetime | None = None,
    placement: StampPlacement | None = None,
) -> StampSpec:
    """Certified electronic copy mark: no image, copy form, agency, register number, time; 10 pt black."""
    when = clock_vn(at or now_vn())
    number = f"Số chứng thực: {certification_number}"
    return StampSpec(
        kind=StampKind.CERTIFIED_COPY,
        lines=(CERTIFIED_COPY_TITLE, agency_name, number, when),
        compact=("Bản sao điện tử chứng thực", "từ bản chính", agency_name, number, when),
        placement=placement or signing_settings().certified_copy_stamp,
        font_size=10,
        border_width=0,
    )


def load_image(png: Path) -> Any:
    """The decoded image, cached per path and modification time (a seal is drawn on every signature)."""
    return _load_image(png.resolve(), png.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load_image(png: Path, _mtime: int) -> Any:
    from PIL import Image

    with Image.open(png) as image:
        image.load()
        copy = image.copy()
        copy.info.update(image.info)
        return copy


def image_size_pt(png: Path) -> tuple[float, float]:
    """Physical size of an image in points, from its DPI (300 dpi when the file does not say)."""
    image = load_image(png)
    dpi = image.info.get("dpi") or (DEFAULT_IMAGE_DPI, DEFAULT_IMAGE_DPI)
    dpi_x = float(dpi[0]) or DEFAULT_IMAGE_DPI
    dpi_y = float(dpi[1]) or DEFAULT_IMAGE_DPI
    return image.width * 72.0 / dpi_x, image.height * 72.0 / dpi_y


def _wrap(line: str, font: OutlineFont, size: float, max_width: float) -> list[str]:
    words, out = line.split(" "), [""]
    for word in words:
        candidate = f"{out[-1]} {word}".strip()
        if out[-1] and font.width(candidate, size) > max_width:
            out.append(word)
        else:
            out[-1] = candidate
    return out


def layout(
    spec: StampSpec, font: OutlineFont, lines: tuple[str, ...], scale: float, image_scale: float | None = None
) -> StampLayout:
    """`lines` at `scale` × the spec's font size (wrapped at the placement's width), beside the image if any."""
    size = spec.font_size * scale
    wrapped = tuple(part for line in lines for part in _wrap(line, font, size, spec.placement.width * scale))
    text_w = max(font.width(line, size) for line in wrapped) + 2 * PAD_X
    text_h = (len(wrapped) - 1) * size * LEADING + size * (font.ascent + font.descent) + 2 * PAD_Y
    image = None
    if spec.image is not None:
        w, h = image_size_pt(spec.image)
        k = scale if image_scale is None else image_scale
        image = (w * k, h * k)
        text_w += image[0] + IMAGE_GAP
        text_h = max(text_h, image[1])
    tiny_seal = image_scale is not None and image_scale < READABLE_SEAL
    return StampLayout(spec, wrapped, size, float(int(text_w) + 1), float(int(text_h) + 1), image, tiny_seal)


def layouts(spec: StampSpec, font: OutlineFont) -> list[StampLayout]:
    """The forms to try, best first: full size wide, then compact, shrinking step by step to 8 pt text; a
    seal last shrinks further (to 60%, 40%, 30% of that) with the text at 8 pt: `last_resort` forms (below
    READABLE_SEAL of its actual size), which placement tries only where no other form fits on blank paper."""
    smallest = min(1.0, MIN_FONT_SIZE / spec.font_size)
    scales = [1.0]
    while scales[-1] - 0.1 > smallest + 1e-9:
        scales.append(round(scales[-1] - 0.1, 2))
    if scales[-1] > smallest:
        scales.append(smallest)
    forms = [spec.lines] + ([spec.compact] if spec.compact and spec.compact != spec.lines else [])
    out = [layout(spec, font, lines, scale) for scale in scales for lines in forms]
    if spec.image is not None:
        out += [layout(spec, font, lines, smallest, k * smallest) for k in SMALL_IMAGES for lines in forms]
    return out


class _StampArt:
    """Factory of the pyHanko content drawing one layout (kept apart so pyHanko imports stay lazy)."""

    @staticmethod
    def content(chosen: StampLayout, font: OutlineFont) -> Any:
        from pyhanko.pdf_utils.content import PdfContent
        from pyhanko.pdf_utils.images import PdfImage
        from pyhanko.pdf_utils.layout import BoxConstraints

        class StampArt(PdfContent):
            def render(self) -> bytes:
                spec = chosen.spec
                parts: list[bytes] = []
                x = PAD_X
                if chosen.image_size is not None and spec.image is not None:
                    w, h = chosen.image_size
                    image = PdfImage(load_image(spec.image), box=BoxConstraints(width=w, height=h))
                    image.set_writer(self.writer)
                    parts.append(b"q 1 0 0 1 %g %g cm %s Q" % (0, (chosen.height - h) / 2, image.render()))
                    self.import_resources(image.resources)
                    x = w + IMAGE_GAP
                size = chosen.font_size
                block = (len(chosen.lines) - 1) * size * LEADING + size * (font.ascent + font.descent)
                baseline = (chosen.height + block) / 2 - size * font.ascent
                parts.append(b"%g %g %g rg" % spec.text_color)
                for line in chosen.lines:
                    parts.append(font.draw(line, size, x, baseline))
                    baseline -= size * LEADING
                return b"q " + b" ".join(parts) + b" Q"

        return StampArt(box=BoxConstraints(width=chosen.width, height=chosen.height))


def stamp_style(chosen: StampLayout, font: OutlineFont) -> StaticStampStyle:
    """A pyHanko style drawing the layout exactly in its field: text as outlines, the image, the border."""
    from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
    from pyhanko.stamp import StaticStampStyle

    return StaticStampStyle(
        background=_StampArt.content(chosen, font),
        background_opacity=1.0,
        border_width=chosen.spec.border_width,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(),
            inner_content_scaling=InnerScaling.NO_SCALING,
        ),
    )
