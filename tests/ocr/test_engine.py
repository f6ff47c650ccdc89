"""The OCR engines on real Tesseract: tesserocr (models kept loaded in the process, the command's own library)
reads exactly as pytesseract does, and an API reused page after page, across languages, resolutions and threads,
carries nothing from one page to the next.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import ocr.engine as engines
from bench.synthetic import Degradation, make_page
from ocr.blocks import text_blocks
from ocr.cleanup import flatten, ocr_grey, reduce
from ocr.engine import (
    EngineFailed,
    EngineUnavailable,
    RawWord,
    TesseractEngine,
    TesserocrEngine,
    command_version,
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
    """Same words, same boxes, same confidences: tesserocr is built against the `tesseract` command's own library
    (the PyPI wheel's libtesseract 5.5.4 read bold headings without diacritics; docs/ocr.md, fifth round)."""
    library = TesserocrEngine().recognise(pages[0], 300, "vie+eng", timeout=120)
    process = TesseractEngine().recognise(pages[0], 300, "vie+eng", timeout=120)
    assert len(library) > 60
    assert [(w.text, w.box, w.line) for w in library] == [(w.text, w.box, w.line) for w in process]
    assert all(0 <= a.conf - b.conf < 1 for a, b in zip(library, process, strict=True))  # the command's TSV: whole


def test_both_engines_read_sohoas_text_blocks_alike(pages: list[np.ndarray]) -> None:
    """Blocks (`ocr.blocks`) read one by one: tesserocr's rectangles of one image and pytesseract's cut-out blocks
    in one process give the same words, boxes in the page's pixels and lines numbered on from block to block; the
    words are the whole page's (boxes within 2 px), and no block means nothing read."""
    blocks = text_blocks(pages[0], 300)
    assert len(blocks) >= 3  # header columns and the body
    library = TesserocrEngine().recognise(pages[0], 300, "vie", timeout=120, blocks=blocks)
    process = TesseractEngine().recognise(pages[0], 300, "vie", timeout=120, blocks=blocks)
    assert [(w.text, w.box, w.line) for w in library] == [(w.text, w.box, w.line) for w in process]
    whole = TesserocrEngine().recognise(pages[0], 300, "vie", timeout=120)
    assert sorted(w.text for w in library) == sorted(w.text for w in whole)
    near = lambda a, b: all(abs(p - q) <= 2 for p, q in zip(a, b, strict=True))  # noqa: E731  (thresholded alone)
    assert all(
        near(a.box, b.box)
        for a, b in zip(
            sorted(library, key=lambda w: (w.text, w.box)), sorted(whole, key=lambda w: (w.text, w.box)), strict=True
        )
    )
    lines = [w.line for w in library]
    assert lines == sorted(lines) and lines[0] == 0
    assert TesserocrEngine().recognise(pages[0], 300, "vie", timeout=120, blocks=[]) == []
    assert TesseractEngine().recognise(pages[0], 300, "vie", timeout=120, blocks=[]) == []


def test_tesserocr_runs_the_tesseract_commands_library(monkeypatch: pytest.MonkeyPatch) -> None:
    import tesserocr

    assert tesserocr.tesseract_version().splitlines()[0] == command_version()  # e.g. "tesseract 5.3.0"
    monkeypatch.setattr(engines, "_versions", ["tesseract 5.9.9"])  # another library than the command's
    with pytest.raises(EngineUnavailable, match=r"not the tesseract command's 'tesseract 5\.9\.9'"):
        TesserocrEngine()
    assert type(get_engine("tesserocr")) is TesseractEngine  # the fallback, logged once


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


def test_the_pitch_test_left_out_changes_no_word(pages: list[np.ndarray], monkeypatch: pytest.MonkeyPatch) -> None:
    """`textord_disable_pitch_test=1` (a default parameter, docs/ocr.md "Seventh round"): the same words and boxes
    as with Tesseract's fixed-pitch search on, read by `tesseract` processes (a textord variable is process-wide)."""
    assert tesseract_variables(engines.DEFAULT_PARAMETERS)["textord_disable_pitch_test"] == "1"
    monkeypatch.setattr(engines, "TESSERACT_PARAMETERS", engines.DEFAULT_PARAMETERS)
    without = TesseractEngine().recognise(pages[1], 300, "vie", timeout=120)
    monkeypatch.setattr(engines, "TESSERACT_PARAMETERS", "-c tessedit_do_invert=0")
    searched = TesseractEngine().recognise(pages[1], 300, "vie", timeout=120)
    assert len(without) > 60
    assert [(w.text, w.box, w.line) for w in without] == [(w.text, w.box, w.line) for w in searched]


def test_command_line_parameters_and_tsv_rows() -> None:
    assert tesseract_variables("-c tessedit_do_invert=0 --oem 1 -c a=b=c") == {"tessedit_do_invert": "0", "a": "b=c"}
    columns = tsv_columns("1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n5\t1\t1\t1\t1\t1\t2\t3\t4\t5\t96.5\tViệt\n")
    assert columns["level"] == ["1", "5"] and columns["text"] == ["", "Việt"] and columns["conf"][1] == "96.5"


def test_engine_setting_picks_the_engine_and_tesserocr_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr.models import OcrOptions
    from ocr.settings import ocr_settings

    monkeypatch.delenv("SOHOA_OCR_ENGINE", raising=False)
    ocr_settings.cache_clear()
    try:
        assert OcrOptions().engine == OcrOptions.from_settings().engine == "tesserocr"
        assert type(get_engine(OcrOptions.from_settings().engine)) is TesserocrEngine
        monkeypatch.setenv("SOHOA_OCR_ENGINE", "tesseract")
        ocr_settings.cache_clear()
        assert type(get_engine(OcrOptions.from_settings().engine)) is TesseractEngine
    finally:
        ocr_settings.cache_clear()


def test_tesserocr_runs_tesseract_on_one_thread() -> None:
    """Debian's libtesseract is built with OpenMP (PyPI's wheel was not): without OMP_THREAD_LIMIT=1 before it is
    loaded, each page would start a thread per core and spin them (≈6 CPU s a page instead of 1 on this machine).
    The engine sets the limit itself, whatever the caller's environment."""
    code = (
        "import os, numpy as np\n"
        "from PIL import Image, ImageDraw\n"
        "from bench.docgen import font\n"
        "from ocr.engine import TesserocrEngine\n"
        "before = len(os.listdir('/proc/self/task'))\n"
        "image = Image.new('L', (900, 120), 255)\n"
        "ImageDraw.Draw(image).text((20, 30), 'Cộng hòa xã hội chủ nghĩa', fill=0, font=font('dejavu-sans', 40))\n"
        "words = TesserocrEngine().recognise(np.asarray(image), 300, 'vie', timeout=60)\n"
        "print(os.environ['OMP_THREAD_LIMIT'], len(os.listdir('/proc/self/task')) - before, len(words))\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "0", "6"]  # the limit set, no thread started, the line read (3 without)
