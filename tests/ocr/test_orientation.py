"""Orientation and skew decided on reduced copies, across quarter turns and skews up to ±10 degrees."""

from __future__ import annotations

import pytest

from bench.synthetic import Degradation, make_page
from ocr.cleanup import ANALYSIS_DPI, dark_border_box, ocr_grey, reduce
from ocr.orientation import crop, find_orientation


@pytest.mark.parametrize(
    ("rotation", "skew", "fix"),
    [(0, 9.5, 0), (0, -9.5, 0), (90, 6.0, 270), (180, -7.0, 180), (270, 2.5, 90), (0, 0.0, 0)],
)
def test_turn_and_skew_found_within_a_third_of_a_degree(rotation: int, skew: float, fix: int) -> None:
    page = make_page(3, Degradation(rotation=rotation, skew=skew, noise=6, border=True), seed=5, height_mm=150)
    grey = ocr_grey(page.degraded)
    small, scale = reduce(grey, 300, ANALYSIS_DPI)
    grey = crop(grey, dark_border_box(small, scale, grey.shape[:2]))
    found = find_orientation(grey, 300, engine=None)
    assert found.rotation == fix
    assert found.skew == pytest.approx(-skew, abs=0.3)
    assert found.method == "ink balance"


@pytest.mark.slow
def test_tesseract_osd_tells_upside_down_pages() -> None:
    """The fallback used when the ink balance is unsure: Tesseract's OSD on the 150-dpi levelled copy."""
    from ocr.cleanup import rotate_quarter
    from ocr.engine import TesseractEngine

    page = make_page(4, Degradation(noise=4), seed=5, height_mm=150)
    fine, scale = reduce(ocr_grey(page.clean), 300, 150)
    engine = TesseractEngine()
    assert engine.upside_down(fine, 300 * scale, timeout=60) is False
    assert engine.upside_down(rotate_quarter(fine, 180), 300 * scale, timeout=60) is True
