"""Verdicts a station acts on: too dark, too light, unreadable, each with a reason, from measured images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from bench.synthetic import Degradation, make_page
from core.types import PageVerdict
from ocr.cleanup import ANALYSIS_DPI, ink_mask, ocr_grey, reduce
from ocr.inputs import load_pages
from ocr.models import OcrOptions
from ocr.page import process_page
from ocr.quality import blank_verdict, exposure_verdicts, readability_verdicts

OPTIONS = OcrOptions()


def _measure(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    small, _ = reduce(grey, 300, ANALYSIS_DPI)
    return small, ink_mask(small)


def _page() -> np.ndarray:
    return ocr_grey(make_page(0, Degradation(), seed=2, height_mm=80).clean)


def test_normal_page_has_no_exposure_verdict() -> None:
    assert exposure_verdicts(*_measure(_page()), OPTIONS) == []


def test_dark_scan_is_too_dark() -> None:
    dark = (_page().astype(np.float32) * 0.35).astype(np.uint8)
    (verdict,) = exposure_verdicts(*_measure(dark), OPTIONS)
    assert verdict[0] == PageVerdict.TOO_DARK and "paper brightness" in verdict[1]


def test_faded_scan_is_too_light() -> None:
    faded = (250 - (250 - _page().astype(np.float32)) * 0.25).astype(np.uint8)
    small, mask = _measure(faded)
    assert blank_verdict(float(mask.mean()), OPTIONS) == []  # faded text is still text
    (verdict,) = exposure_verdicts(small, mask, OPTIONS)
    assert verdict[0] == PageVerdict.TOO_LIGHT and "darker than the paper" in verdict[1]


def test_low_confidence_is_unreadable() -> None:
    mean, verdicts = readability_verdicts([(30.0, 5), (50.0, 5)], OPTIONS)
    assert mean == 40.0
    assert verdicts[0][0] == PageVerdict.UNREADABLE and "40/100" in verdicts[0][1]
    assert readability_verdicts([(92.0, 4)], OPTIONS) == (92.0, [])
    assert readability_verdicts([], OPTIONS)[1][0][0] == PageVerdict.UNREADABLE


def test_black_sheet_is_too_dark_not_blank(tmp_path: Path) -> None:
    path = tmp_path / "black.png"
    Image.new("RGB", (1240, 600), (8, 8, 8)).save(path, dpi=(300, 300))
    result = process_page(load_pages([path])[0], OPTIONS)
    verdicts = {v for v, _ in result.verdicts}
    assert PageVerdict.TOO_DARK in verdicts and PageVerdict.BLANK not in verdicts
