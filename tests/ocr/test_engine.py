"""The OCR engines on real Tesseract: tesserocr (models kept loaded in the process) reads like pytesseract, and an
API reused page after page, across languages, resolutions and threads, carries nothing from one page to the next.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

import ocr.engine as engines
from bench.synthetic import Degradation, make_page
from ocr.cleanup import flatten, ocr_grey, reduce
from ocr.engine import (
    EngineFailed,
    EngineUnavailable,
    RawWord,
    TesseractEngine,
    TesserocrEngine,
    get_engine,
    tesseract_variables,
    tsv_columns,
)

pytestmark = pytest.mark.slow


def _flat(index: int, seed: int) -> np.ndarray:
    page = make_page(index, Degradation(noise=3), seed=seed, height_mm=110)
    return flatten(ocr_grey(page.clean), 300)


@pytest.fixture(scope="module")
def pages() -> list[np.ndarray]:
    return [_flat(0, 21), _flat(1, 22)]


def _text(words: list[RawWord]) -> str:
    return " ".join(w.text for w in words)


def test_tesserocr_reads_the_page_as_pytesseract_does(pages: list[np.ndarray]) -> None:
    """Same words, same boxes: the wheel's libtesseract (5.5) and the system's `tesseract` (5.3) read the same
    model; a word or two may differ between the two versions, no more."""
    library = TesserocrEngine().recognise(pages[0], 300, "vie", timeout=120)
    process = TesseractEngine().recognise(pages[0], 300, "vie", timeout=120)
    assert len(library) > 60
    assert abs(len(library) - len(process)) <= 2
    assert Levenshtein.normalized_distance(_text(library), _text(process)) < 0.01
    matcher = SequenceMatcher(None, [w.text for w in library], [w.text for w in process], autojunk=False)
    same = [
        (library[block.a + k].box, process[block.b + k].box)
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    ]
    assert len(same) > 0.95 * len(library)
    assert max(max(abs(a - b) for a, b in zip(mine, theirs, strict=True)) for mine, theirs in same) <= 3


def test_a_reused_api_carries_nothing_between_pages_languages_and_resolutions(pages: list[np.ndarray]) -> None:
    engines._idle.clear()
    engine = TesserocrEngine()
    first = engine.recognise(pages[0], 300, "vie", timeout=120)
    other = engine.recognise(pages[1], 300, "vie", timeout=120)
    english = engine.recognise(pages[1], 300, "eng", timeout=120)
    half, scale = reduce(pages[1], 300, 150)
    low = engine.recognise(half, 300 * scale, "vie", timeout=120)
    blank = engine.recognise(np.full((600, 400), 255, np.uint8), 300, "vie", timeout=120)
    again = engine.recognise(pages[0], 300, "vie", timeout=120)
    assert again == first  # words, boxes and confidences as on the first reading
    assert _text(other) != _text(first) and blank == []
    assert _text(english) != _text(other)  # English's model has no Vietnamese letters: another model was used
    assert len(low) > 0.8 * len(other)
    assert {key: len(apis) for key, apis in engines._idle.items()} == {
        (engine.tessdata, "vie"): 1,  # one model per language, loaded once and reused
        (engine.tessdata, "eng"): 1,
    }


def test_threads_each_get_their_own_api(pages: list[np.ndarray]) -> None:
    engine = TesserocrEngine()
    alone = [engine.recognise(page, 300, "vie", timeout=120) for page in pages]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda page: engine.recognise(page, 300, "vie", timeout=120), pages * 2))
    assert together == alone * 2


def test_unknown_language_and_engine_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(EngineFailed, match="could not load 'xyz'"):
        TesserocrEngine().recognise(np.full((100, 100), 255, np.uint8), 300, "xyz", timeout=10)
    with pytest.raises(EngineFailed, match="unknown OCR engine"):
        get_engine("abbyy")

    def missing(self: TesserocrEngine) -> None:
        raise EngineUnavailable("tesserocr is not installed")

    monkeypatch.setattr(TesserocrEngine, "__init__", missing)
    assert type(get_engine("tesserocr")) is TesseractEngine  # the fallback


def test_command_line_parameters_and_tsv_rows() -> None:
    assert tesseract_variables("-c tessedit_do_invert=0 --oem 1 -c a=b=c") == {"tessedit_do_invert": "0", "a": "b=c"}
    columns = tsv_columns("1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n5\t1\t1\t1\t1\t1\t2\t3\t4\t5\t96.5\tViệt\n")
    assert columns["level"] == ["1", "5"] and columns["text"] == ["", "Việt"] and columns["conf"][1] == "96.5"


def test_engine_setting_picks_the_engine_and_pytesseract_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytesseract stays the default: tesserocr's libtesseract 5.5.4 read the bold heading of a rendered page
    without its diacritics with vie+eng ('TINH QUANG TRI'; docs/ocr.md, fourth round)."""
    from ocr.models import OcrOptions
    from ocr.settings import ocr_settings

    monkeypatch.delenv("SOHOA_OCR_ENGINE", raising=False)
    ocr_settings.cache_clear()
    try:
        assert OcrOptions().engine == OcrOptions.from_settings().engine == "tesseract"
        assert type(get_engine(OcrOptions.from_settings().engine)) is TesseractEngine
        monkeypatch.setenv("SOHOA_OCR_ENGINE", "tesserocr")
        ocr_settings.cache_clear()
        assert type(get_engine(OcrOptions.from_settings().engine)) is TesserocrEngine
    finally:
        ocr_settings.cache_clear()
