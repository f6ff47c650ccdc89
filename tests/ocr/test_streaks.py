"""A blank sheet scanned through a dirty scanner drum (vertical streaks of grey speckle): neither engine may fill
its text with scraps read from the streaks (tesserocr did), while the page is still flagged for a rescan."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import pytest
from PIL import Image

from bench.synthetic import SEEDS_DIR, Degradation, blank_page, make_page, seed_paragraphs
from core.types import PageVerdict
from ocr import engine as engines
from ocr.cleanup import flatten, ocr_grey, reduce, streaked
from ocr.inputs import load_pages
from ocr.models import OcrOptions
from ocr.page import process_page

pytestmark = pytest.mark.slow


def streaked_blank(seed: int, height_mm: float = 110.0, dpi: int = 300, lines: float = 200.0) -> np.ndarray:
    """A blank sheet with faint show-through and sixty dirty-drum streaks: a dark line 1-4 px wide in a band of
    grey specks, top to bottom."""
    rng = np.random.default_rng(seed)
    paragraphs = seed_paragraphs(SEEDS_DIR, ("000_f1a7099f7d227fb2.txt",))
    page = blank_page(rng, paragraphs[:30], dpi=dpi, width_mm=210.0, height_mm=height_mm)
    return dirty_drum(page, rng, lines)


def dirty_drum(page: np.ndarray, rng: np.random.Generator, lines: float = 200.0) -> np.ndarray:
    """An RGB page with sixty dirty-drum streaks added (a line of darkness up to `lines` in a band of specks)."""
    page = page.astype(np.float32)
    height, width = page.shape[:2]
    dirt = np.zeros((height, width), np.float32)
    for x in rng.integers(0, width, 60):
        line, spread = int(rng.integers(1, 5)), int(rng.integers(4, 20))
        x0, x1 = max(0, x - spread), min(width, x + spread)
        specks = rng.random((height, x1 - x0)) < rng.uniform(0.1, 0.5)
        dirt[:, x0:x1] += specks * rng.uniform(60, 230, (height, x1 - x0))
        dirt[:, max(0, x - line // 2) : x + line // 2 + 1] += rng.uniform(60, lines)
    blurred = cv2.GaussianBlur(dirt, (0, 0), 0.8)
    return np.clip(page - blurred[..., None], 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("seed", "engine"), [(1, "tesserocr"), (2, "tesserocr"), (2, "tesseract")])
def test_a_streaked_blank_sheet_reads_no_invented_words(tmp_path: Path, seed: int, engine: str) -> None:
    path = tmp_path / "streaked.jpg"
    Image.fromarray(streaked_blank(seed)).save(path, quality=85, dpi=(300, 300))
    options = OcrOptions(lang="vie", engine=engine)
    result = process_page(load_pages([path])[0], options)
    assert not result.blank  # the streaks are ink: not a blank sheet the station may drop
    assert PageVerdict.UNREADABLE in [v for v, _ in result.verdicts]  # still flagged for a rescan
    assert result.text == "" and not result.words, result.text  # before: '—' (seed 1), '†', '9426' (seed 2)


class CountingEngine(engines.TesserocrEngine):
    """tesserocr, counting its readings ("recognise": sohoa's text blocks; "whole page": the same copy read again
    with Tesseract's own layout analysis when the blocks read as unreadable) and OSD calls."""

    calls: ClassVar[list[str]] = []

    def recognise(
        self, grey: np.ndarray, dpi: float, lang: str, timeout: int, blocks: Sequence[engines.Box] | None = None
    ) -> list[engines.RawWord]:
        self.calls.append("recognise" if blocks is not None else "whole page")
        return super().recognise(grey, dpi, lang, timeout, blocks)

    def upside_down(self, grey: np.ndarray, dpi: float, timeout: int) -> bool | None:
        self.calls.append("osd")
        return super().upside_down(grey, dpi, timeout)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    CountingEngine.calls = []
    monkeypatch.setitem(engines.ENGINES, "counting", CountingEngine)
    return CountingEngine.calls


def _streaked_text(seed: int) -> np.ndarray:
    return dirty_drum(make_page(0, Degradation(), seed=seed, height_mm=110.0).clean, np.random.default_rng(seed))


def test_streaks_are_told_from_print() -> None:
    def on_flat(page: np.ndarray) -> bool:
        grey, scale = reduce(ocr_grey(page), 300.0, 150.0)
        return streaked(flatten(grey, 300.0 * scale))

    assert on_flat(streaked_blank(1)) and on_flat(_streaked_text(2))
    assert not on_flat(make_page(0, Degradation(noise=6), seed=2, height_mm=110.0).clean)
    on_its_side = make_page(1, Degradation(noise=6), seed=3, height_mm=110.0).clean
    assert not on_flat(np.ascontiguousarray(np.rot90(on_its_side)))


def test_streaks_stopping_short_of_the_bottom_are_streaks() -> None:
    """Streaks that leave the last sixth of the sheet clean make the rows' grey less even (0.51, as the streaked
    augraphy tuning page with text lines between its streaks, 0.50), still far from a printed page (0.96 or more)."""
    page = make_page(0, Degradation(), seed=2, height_mm=110.0).clean
    dirty = dirty_drum(page, np.random.default_rng(2))
    bottom = dirty.shape[0] * 5 // 6
    dirty[bottom:] = page[bottom:]
    grey, scale = reduce(ocr_grey(dirty), 300.0, 150.0)
    assert streaked(flatten(grey, 300.0 * scale))


def test_a_streaked_blank_sheet_is_not_read_at_all(tmp_path: Path, counting: list[str]) -> None:
    path = tmp_path / "streaked.jpg"
    Image.fromarray(streaked_blank(2, lines=80.0)).save(path, quality=85, dpi=(300, 300))  # specks, no dark line
    result = process_page(load_pages([path])[0], OcrOptions(lang="vie", engine="counting"))
    assert counting == []  # before: one reading, discarded, and an OSD call
    assert PageVerdict.UNREADABLE in [v for v, _ in result.verdicts] and result.text == ""


def test_a_sheet_with_dark_streaks_is_read_at_most_twice(tmp_path: Path, counting: list[str]) -> None:
    path = tmp_path / "streaked.jpg"
    Image.fromarray(streaked_blank(1)).save(path, quality=85, dpi=(300, 300))  # dark lines look like print
    result = process_page(load_pages([path])[0], OcrOptions(lang="vie", engine="counting"))
    assert counting.count("recognise") <= 2  # before: as it is, despeckled, then despeckled and turned 180°
    assert PageVerdict.UNREADABLE in [v for v, _ in result.verdicts] and result.text == ""


def test_a_streaked_page_is_read_despeckled_once(tmp_path: Path, counting: list[str]) -> None:
    path = tmp_path / "streaked-text.jpg"
    Image.fromarray(_streaked_text(2)).save(path, quality=85, dpi=(300, 300))
    result = process_page(load_pages([path])[0], OcrOptions(lang="vie", engine="counting"))
    assert counting.count("recognise") == 1  # before: read as it is (unreadable), then despeckled
    assert "despeckled" in result.cleanup.rotation_method and not result.verdicts
    assert len(result.words) > 20
