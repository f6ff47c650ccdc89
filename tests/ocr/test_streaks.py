"""A blank sheet scanned through a dirty scanner drum (vertical streaks of grey speckle): neither engine may fill
its text with scraps read from the streaks (tesserocr did), while the page is still flagged for a rescan."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from bench.synthetic import SEEDS_DIR, blank_page, seed_paragraphs
from core.types import PageVerdict
from ocr.inputs import load_pages
from ocr.models import OcrOptions
from ocr.page import process_page

pytestmark = pytest.mark.slow


def streaked_blank(seed: int, height_mm: float = 110.0, dpi: int = 300) -> np.ndarray:
    """A blank sheet with faint show-through and sixty dirty-drum streaks: a dark line 1-4 px wide in a band of
    grey specks, top to bottom."""
    rng = np.random.default_rng(seed)
    paragraphs = seed_paragraphs(SEEDS_DIR, ("000_f1a7099f7d227fb2.txt",))
    page = blank_page(rng, paragraphs[:30], dpi=dpi, width_mm=210.0, height_mm=height_mm).astype(np.float32)
    height, width = page.shape[:2]
    dirt = np.zeros((height, width), np.float32)
    for x in rng.integers(0, width, 60):
        line, spread = int(rng.integers(1, 5)), int(rng.integers(4, 20))
        x0, x1 = max(0, x - spread), min(width, x + spread)
        specks = rng.random((height, x1 - x0)) < rng.uniform(0.1, 0.5)
        dirt[:, x0:x1] += specks * rng.uniform(60, 230, (height, x1 - x0))
        dirt[:, max(0, x - line // 2) : x + line // 2 + 1] += rng.uniform(60, 200)
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
