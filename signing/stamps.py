"""Visible signature stamps: officer (top-left), agency with red seal and certified copy (top-right).

A `StampSpec` is plain data (lines of text, optional PNG, placement); `stamp_style` turns it into a pyHanko
style and `field_box` into the signature field rectangle on the chosen page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.timezone import now_vn, to_vn
from signing.settings import StampPlacement, signing_settings

if TYPE_CHECKING:
    from pyhanko.stamp import TextStampStyle

CERTIFIED_COPY_TITLE = "Bản sao điện tử chứng thực từ bản chính"
DEFAULT_IMAGE_DPI = 300.0
IMAGE_GAP = 4.0
TEXT_PADDING = 4.0


class StampKind(StrEnum):
    OFFICER = "officer"
    AGENCY = "agency"
    CERTIFIED_COPY = "certified_copy"


@dataclass(frozen=True)
class StampSpec:
    """What a visible stamp shows and where: text lines, an optional PNG (drawn at its actual size)."""

    kind: StampKind
    lines: tuple[str, ...]
    placement: StampPlacement
    image: Path | None = None
    font_size: int = 10
    border_width: int = 1
    text_color: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def iso_vn(moment: dt.datetime) -> str:
    """ISO 8601 in Vietnam time to the second, e.g. 2026-11-22T09:15:02+07:00."""
    return to_vn(moment).replace(microsecond=0).isoformat()


def clock_vn(moment: dt.datetime) -> str:
    """The certified-copy time format, hh:mm:ss dd/mm/yyyy in Vietnam time."""
    return to_vn(moment).strftime("%H:%M:%S %d/%m/%Y")


def officer_stamp(
    officer_name: str,
    scan_time: dt.datetime,
    *,
    signature_png: Path | None = None,
    placement: StampPlacement | None = None,
) -> StampSpec:
    """The digitising officer's stamp (Circular 01/2023 art. 8): name and scan time, top-left of page 1."""
    settings = signing_settings()
    return StampSpec(
        kind=StampKind.OFFICER,
        lines=("Người số hóa:", officer_name, f"Thời gian số hóa: {iso_vn(scan_time)}"),
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
    """The agency's stamp (Circular 02/2019): red seal at actual size, agency name and time, top-right."""
    settings = signing_settings()
    return StampSpec(
        kind=StampKind.AGENCY,
        lines=(agency_name, f"Thời gian ký: {iso_vn(at or now_vn())}"),
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
    return StampSpec(
        kind=StampKind.CERTIFIED_COPY,
        lines=(
            CERTIFIED_COPY_TITLE,
            agency_name,
            f"Số chứng thực: {certification_number}",
            clock_vn(at or now_vn()),
        ),
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


def stamp_size(spec: StampSpec) -> tuple[float, float]:
    """Width and height of the whole stamp: image (if any) beside a text area of the placement's size."""
    width, height = spec.placement.width, spec.placement.height
    if spec.image is not None:
        image_w, image_h = image_size_pt(spec.image)
        width += image_w + IMAGE_GAP
        height = max(height, image_h)
    return width, height


def field_box(spec: StampSpec, page_box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """The signature field rectangle (x1, y1, x2, y2) in the page's user space for the spec's corner."""
    x0, y0, x1, y1 = page_box
    width, height = stamp_size(spec)
    margin = spec.placement.margin
    corner = spec.placement.corner
    left = x1 - margin - width if corner.endswith("right") else x0 + margin
    bottom = y0 + margin if corner.startswith("bottom") else y1 - margin - height
    return round(left), round(bottom), round(left + width), round(bottom + height)


def stamp_style(spec: StampSpec, font_path: Path) -> TextStampStyle:
    """A pyHanko TextStampStyle for the spec, text set in the prepared TTF (both font sizes set)."""
    from pyhanko.pdf_utils.content import PdfContent
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.layout import (
        AxisAlignment,
        BoxConstraints,
        InnerScaling,
        Margins,
        SimpleBoxLayoutRule,
    )
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    size = spec.font_size
    text_style = TextBoxStyle(
        font=GlyphAccumulatorFactory(str(font_path), font_size=size),
        font_size=size,
        leading=round(size * 1.25),
        text_color=spec.text_color,
    )
    background: PdfContent | None = None
    left_margin = TEXT_PADDING
    if spec.image is not None:
        image_w, image_h = image_size_pt(spec.image)
        background = PdfImage(load_image(spec.image), box=BoxConstraints(width=image_w, height=image_h))
        left_margin += image_w + IMAGE_GAP
    return TextStampStyle(
        stamp_text=spec.text.replace("%", "%%"),
        text_box_style=text_style,
        border_width=spec.border_width,
        background=background,
        background_opacity=1.0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MID,
            inner_content_scaling=InnerScaling.NO_SCALING,
        ),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(left=round(left_margin), right=round(TEXT_PADDING)),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
    )
