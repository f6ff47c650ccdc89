"""Where a stamp goes on its page: the largest readable form that fits on blank paper near its corner of the top
band (`signing.freespace`), else lower down on the page; a seal shrunk to a dot only where nothing else fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.logging import get_logger
from signing.freespace import InkMap, Rect, find_spot, ink_map, least_ink_spot
from signing.glyphs import OutlineFont
from signing.stamps import StampLayout, StampSpec, layouts

log = get_logger(__name__)


@dataclass(frozen=True)
class Placed:
    """The chosen form of a stamp, its field rectangle (integers, PDF user space) and whether it sits on
    blank paper (False: no blank spot was big enough, or the page could not be rendered)."""

    layout: StampLayout
    box: tuple[int, int, int, int]
    on_blank: bool


def corner_box(size: tuple[float, float], corner: str, margin: float, page_box: Rect) -> Rect:
    """A rectangle of `size` in `corner` of the page box, `margin` points from its edges."""
    x0, y0, x1, y1 = page_box
    width, height = size
    left = x1 - margin - width if corner.endswith("right") else x0 + margin
    bottom = y0 + margin if corner.startswith("bottom") else y1 - margin - height
    return left, bottom, left + width, bottom + height


def _box(rect: Rect, chosen: StampLayout) -> tuple[int, int, int, int]:
    left, bottom = round(rect[0]), round(rect[1])
    return left, bottom, left + int(chosen.width), bottom + int(chosen.height)


def _blank_spot(page: InkMap, forms: list[StampLayout], spec: StampSpec, band: float) -> tuple[int, Rect] | None:
    """The first of `forms` that fits on blank paper in the top `band` of the page, nearest the stamp's corner."""
    if not forms:
        return None
    where = spec.placement
    sizes = [(f.width, f.height) for f in forms]
    return find_spot(page, sizes, where.corner, band=band, margin=where.margin, gap=where.gap)


def place_stamp(spec: StampSpec, font: OutlineFont, pdf: bytes, page_index: int, page_box: Rect) -> Placed:
    """Choose the stamp's form and field rectangle on page `page_index` (0-based) of `pdf`."""
    forms = layouts(spec, font)
    where = spec.placement
    if not (where.find_space and where.corner.startswith("top")):
        return Placed(
            forms[0],
            _box(corner_box((forms[0].width, forms[0].height), where.corner, where.margin, page_box), forms[0]),
            on_blank=False,
        )
    page = ink_map(pdf, page_index, page_box)
    if page is None:
        rect = corner_box((forms[0].width, forms[0].height), where.corner, where.margin, page_box)
        return Placed(forms[0], _box(rect, forms[0]), on_blank=False)
    readable = [f for f in forms if not f.last_resort]
    tight = [f for f in forms if f.last_resort]
    for chosen_forms, band in ((readable, where.band), (readable, 1.0), (tight, where.band), (tight, 1.0)):
        found = _blank_spot(page, chosen_forms, spec, band)
        if found is not None:
            if band == 1.0:
                log.info("stamp_below_top_band", kind=spec.kind.value)
            index, rect = found
            return Placed(chosen_forms[index], _box(rect, chosen_forms[index]), on_blank=True)
    smallest = min(forms, key=lambda f: f.width * f.height)
    rect = least_ink_spot(page, (smallest.width, smallest.height), where.corner, band=where.band, margin=where.margin)
    log.warning("stamp_over_content", kind=spec.kind.value, detail="no blank spot in the top band is big enough")
    return Placed(smallest, _box(rect, smallest), on_blank=False)
