"""The blank-spot search on ink maps of any shape: a spot found has no ink within its gap, and the last-resort
spot is always a rectangle on the page (a crowded scan once made it fail on a broadcast error).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.freespace import InkMap, find_spot, least_ink_spot

DPI = 50.0
K = DPI / 72


def _page(width: int, height: int, density: float, seed: int) -> InkMap:
    ink = np.random.default_rng(seed).random((height, width)) < density
    return InkMap(ink=ink, box=(0.0, 0.0, width / K, height / K), dpi=DPI)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(20, 420),
    height=st.integers(20, 600),
    density=st.sampled_from([0.0, 0.001, 0.05, 0.5, 1.0]),
    seed=st.integers(0, 1000),
    size=st.tuples(st.floats(5, 700), st.floats(5, 300)),
    corner=st.sampled_from(["top-left", "top-right"]),
)
def test_spots_are_blank_and_on_the_page(
    width: int, height: int, density: float, seed: int, size: tuple[float, float], corner: str
) -> None:
    page = _page(width, height, density, seed)
    found = find_spot(page, [size, (size[0] / 2, size[1] / 2)], corner, band=0.3, margin=14, gap=4)
    if found is not None:
        _, (x1, y1, x2, y2) = found
        top, left = round((page.box[3] - y2) * K), round(x1 * K)
        bottom, right = top + int(np.ceil((y2 - y1) * K)), left + int(np.ceil((x2 - x1) * K))
        g = max(1, round(4 * K))
        assert not page.ink[max(0, top - g) : bottom + g, max(0, left - g) : right + g].any()
        assert y2 <= page.box[3] - 14 + 1e-6 and x1 >= 14 - 1e-6
    x1, y1, x2, y2 = least_ink_spot(page, size, corner, band=0.3, margin=14)
    assert x2 - x1 == pytest.approx(size[0]) and y2 - y1 == pytest.approx(size[1])
    assert 0 <= x1 <= page.box[2] and y2 <= page.box[3] + 1e-6


def test_a_blank_page_puts_the_stamp_in_its_corner() -> None:
    page = _page(413, 585, 0.0, 0)
    found = find_spot(page, [(180.0, 40.0)], "top-right", band=0.3, margin=14, gap=4)
    assert found is not None
    _, (_, _, x2, y2) = found
    assert abs(x2 - (page.box[2] - 14)) < 1.5 and abs(y2 - (page.box[3] - 14)) < 1.5
    assert not find_spot(_page(413, 585, 1.0, 0), [(180.0, 40.0)], "top-left", band=0.3, margin=14, gap=4)
