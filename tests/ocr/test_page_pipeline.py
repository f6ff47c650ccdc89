"""Cleanup, orientation, deskew, verdicts and OCR quality on real Tesseract runs of synthetic scans."""

from __future__ import annotations

import pickle

import pytest
from rapidfuzz.distance import Levenshtein

from bench.synthetic import normalise_text
from core.types import PageVerdict
from tests.ocr.scans import Case

pytestmark = pytest.mark.slow


def cer(truth: str, text: str) -> float:
    reference = normalise_text(truth)
    return Levenshtein.distance(reference, normalise_text(text)) / len(reference)


def verdicts(case: Case) -> set[PageVerdict]:
    return {v for v, _ in case.result.verdicts}


def test_clean_page_character_error_rate_under_two_percent(cases: dict[str, Case]) -> None:
    case = cases["clean"]
    assert cer(case.synthetic.truth, case.result.text) < 0.02
    assert verdicts(case) == set()


def test_two_column_header_is_read_column_by_column(cases: dict[str, Case]) -> None:
    lines = cases["clean"].result.text.splitlines()
    assert lines[:2] == ["ỦY BAN NHÂN DÂN", "TỈNH TÂY NINH"]
    assert lines.index("Độc lập - Tự do - Hạnh phúc") > lines.index("TỈNH TÂY NINH")


@pytest.mark.parametrize(("name", "turn"), [("rot90", 270), ("rot180", 180)])
def test_turned_page_comes_out_upright(cases: dict[str, Case], name: str, turn: int) -> None:
    case = cases[name]
    assert case.result.cleanup.rotation == turn
    assert cer(case.synthetic.truth, case.result.text) < 0.05
    clean_height, clean_width = case.synthetic.clean.shape[:2]
    assert (case.result.image.height, case.result.image.width) == pytest.approx((clean_height, clean_width), rel=0.1)


def test_four_degree_skew_is_removed(cases: dict[str, Case]) -> None:
    case = cases["skew4"]
    # the page was turned 4 degrees anticlockwise; deskewing turns it back within 0.3 degrees
    assert case.result.cleanup.skew == pytest.approx(-4.0, abs=0.3)
    assert cer(case.synthetic.truth, case.result.text) < 0.05


def test_dark_border_is_cropped(cases: dict[str, Case]) -> None:
    case = cases["skew4"]
    left, top, right, bottom = case.result.cleanup.crop
    height, width = case.synthetic.degraded.shape[:2]
    assert (left, top, right, bottom) != (0, 0, width, height)


def test_blank_page_is_reported_not_read(cases: dict[str, Case]) -> None:
    case = cases["blank"]
    assert verdicts(case) == {PageVerdict.BLANK}
    assert case.result.words == ()
    assert "blank page" in case.result.verdicts[0][1]


def test_150_dpi_page_gets_a_low_resolution_verdict(cases: dict[str, Case]) -> None:
    case = cases["lowres"]
    assert PageVerdict.LOW_RESOLUTION in verdicts(case)
    reason = dict(case.result.verdicts)[PageVerdict.LOW_RESOLUTION]
    assert "150 dpi" in reason and "200" in reason


def test_archival_image_keeps_colour_and_resolution(cases: dict[str, Case]) -> None:
    image = cases["skew4"].result.image
    assert image.colour == "rgb" and image.fmt == "jpeg"
    assert image.dpi == (300.0, 300.0)
    assert image.data[:3] == b"\xff\xd8\xff"


def test_words_carry_boxes_and_confidences(cases: dict[str, Case]) -> None:
    words = cases["clean"].result.words
    assert len(words) > 50
    assert all(w.width > 0 and w.height > 0 and 0 <= w.conf <= 100 for w in words)
    assert cases["clean"].result.mean_confidence > 80


def test_bilevel_g4_page_stays_bilevel(cases: dict[str, Case]) -> None:
    case = cases["bilevel"]
    assert case.result.image.fmt == "ccitt" and case.result.image.colour == "bilevel"
    assert cer(case.synthetic.truth, case.result.text) < 0.03


def test_page_result_is_picklable(cases: dict[str, Case]) -> None:
    result = cases["skew4"].result
    assert pickle.loads(pickle.dumps(result)) == result


def test_untouched_jpeg_is_embedded_byte_for_byte(cases: dict[str, Case]) -> None:
    case = cases["clean"]
    assert case.result.cleanup.rotation == 0 and case.result.cleanup.skew == 0.0
    assert case.result.image.data == case.path.read_bytes()


def test_out_of_focus_page_is_unreadable(cases: dict[str, Case]) -> None:
    case = cases["blurred"]
    reasons = dict(case.result.verdicts)
    assert PageVerdict.UNREADABLE in reasons and "low OCR confidence" in reasons[PageVerdict.UNREADABLE]
    assert case.result.mean_confidence < 55
