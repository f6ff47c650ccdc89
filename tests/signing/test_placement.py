"""Stamps on pages with a Vietnamese letterhead: placed on paper that was blank (renders compared), text at
least 8 pt, their words outside the page's text layer, and pdfsig agreeing with sohoa's verdicts.
"""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO
from pathlib import Path

import numpy as np
import pikepdf
import pytest

from core.types import SignatureLevel, Verdict
from signing.sample_seal import SAMPLE_SEAL
from signing.sign import DocumentSigner, SignOutcome
from signing.stamps import LEADING, agency_stamp, certified_copy_stamp, officer_stamp
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.signing.letterhead import TEXT_LAYER, image_pdf, letterhead_image, page_text, render
from tests.signing.pdfsig import pdfsig_intact

SCAN = dt.datetime(2026, 11, 20, 2, 30, 5, tzinfo=dt.UTC)
OFFICER = "Nguyễn Thị Hồng Nhung"
UNIT = "UBND xã Hải Lăng"
INK = 170


def _rect(pdf: bytes, field: str) -> tuple[float, float, float, float]:
    doc = pikepdf.open(BytesIO(pdf))
    for annot in doc.pages[0].get("/Annots", []):
        if str(annot.get("/T", "")) == field:
            x1, y1, x2, y2 = (float(v) for v in annot.Rect)
            return x1, y1, x2, y2
    raise AssertionError(f"no widget {field} on page 1")


def _pixels(rect: tuple[float, float, float, float], dpi: int, inset: float = 0.0) -> tuple[slice, slice]:
    """Rows and columns of a page render (A4, top-down) covered by a PDF rectangle, shrunk by `inset` points."""
    k = dpi / 72
    x1, y1, x2, y2 = rect
    top, bottom = round((842 - y2 + inset) * k), round((842 - y1 - inset) * k)
    return slice(top, bottom), slice(round((x1 + inset) * k), round((x2 - inset) * k))


def _write(tmp: Path, name: str, pdf: bytes) -> Path:
    path = tmp / name
    path.write_bytes(pdf)
    return path


def _agree(path: Path, trust: TrustSettings) -> None:
    """pdfsig and sohoa's validation agree on every signature's integrity; sohoa passes the file."""
    report = validate_pdf(path.read_bytes(), trust)
    assert pdfsig_intact(path) == [s.intact for s in report.signatures]
    assert report.verdict is Verdict.TOTAL_PASSED, report.signatures


@pytest.fixture(scope="module")
def signed(officer: DocumentSigner, agency: DocumentSigner) -> tuple[bytes, bytes, SignOutcome, SignOutcome]:
    """A letterhead page signed by the officer (stamp top-left) and sealed by the agency (top-right)."""
    unsigned = image_pdf(letterhead_image())
    first = officer.sign_with_outcome(unsigned, level=SignatureLevel.B_B, stamp=officer_stamp(OFFICER, SCAN, unit=UNIT))
    second = agency.sign_with_outcome(
        first.pdf, level=SignatureLevel.B_B, stamp=agency_stamp("Ủy ban nhân dân xã Hải Lăng", SAMPLE_SEAL, at=SCAN)
    )
    return unsigned, second.pdf, first, second


def test_stamps_sit_on_paper_that_was_blank(
    signed: tuple[bytes, bytes, SignOutcome, SignOutcome], tmp_path: Path, trust: TrustSettings
) -> None:
    unsigned, both, first, second = signed
    before = render(_write(tmp_path, "unsigned.pdf", unsigned))
    after = render(_write(tmp_path, "signed.pdf", both))
    assert before.shape == after.shape
    officer_rect = _rect(both, first.field_name)
    agency_rect = _rect(both, second.field_name)
    for rect in (officer_rect, agency_rect):
        area = _pixels(rect, 100)
        assert int((before[area] < INK).sum()) == 0, f"{rect} covered ink of the unsigned page (letterhead/text)"
        assert int((after[area] < INK).sum()) > 200, "the stamp is visible where it was placed"
        assert rect[3] <= 842 - 14 and rect[1] >= 842 * 0.7, "inside the top band, 5 mm from the edge"
    assert (officer_rect[0] + officer_rect[2]) / 2 < 595 / 2 < (agency_rect[0] + agency_rect[2]) / 2
    assert officer_rect[2] <= agency_rect[0] or officer_rect[1] >= agency_rect[3], "stamps overlap"
    assert first.stamp is not None and first.stamp.on_blank and second.stamp is not None and second.stamp.on_blank
    # outside the stamps (and their border lines, drawn across the edge) nothing changed on the page
    mask = np.ones_like(before, dtype=bool)
    for rect in (officer_rect, agency_rect):
        mask[_pixels(rect, 100, inset=-2.0)] = False
    assert int((np.abs(before.astype(int) - after.astype(int)) > 40)[mask].sum()) == 0
    _agree(tmp_path / "signed.pdf", trust)


def test_stamp_text_is_at_least_8pt(signed: tuple[bytes, bytes, SignOutcome, SignOutcome], tmp_path: Path) -> None:
    _, both, first, _ = signed
    assert first.stamp is not None
    chosen = first.stamp.layout
    assert chosen.font_size >= 8.0
    dpi = 400
    page = render(_write(tmp_path, "signed.pdf", both), dpi=dpi)
    inner = page[_pixels(_rect(both, first.field_name), dpi, inset=1.5)]  # inside the 1 pt border
    rows = np.flatnonzero((inner < INK).any(axis=1))
    extent_pt = (rows[-1] - rows[0] + 1) * 72 / dpi
    # first line's tallest letter to last line's descender: (n - 1) line pitches plus at least a cap height
    cap_height = 0.65
    assert extent_pt >= (len(chosen.lines) - 1) * 8.0 * LEADING + cap_height * 8.0, extent_pt


def test_stamp_words_stay_out_of_the_text_layer(
    signed: tuple[bytes, bytes, SignOutcome, SignOutcome], tmp_path: Path, trust: TrustSettings
) -> None:
    both = signed[1]
    text = page_text(_write(tmp_path, "signed.pdf", both))
    assert TEXT_LAYER in text, "the page's own text layer is still there"
    for word in ("Người số hóa", OFFICER, "Thời gian ký", "Hải Lăng", "20/11/2026"):
        assert word not in text
    report = validate_pdf(both, trust)
    stamps = [s.stamp_text for s in report.signatures]
    assert stamps[0] is not None and f"Người số hóa: {OFFICER}" in stamps[0] and UNIT in stamps[0]
    assert stamps[1] is not None and "Thời gian ký: 20/11/2026 09:30:05" in stamps[1]


def test_crowded_top_shrinks_the_stamp_to_fit(officer: DocumentSigner, tmp_path: Path, trust: TrustSettings) -> None:
    """Narrow margins: the stamp shrinks (not below 8 pt) or takes its compact form, still on blank paper."""
    unsigned = image_pdf(letterhead_image(top_mm=12, left_mm=20, right_mm=12))
    outcome = officer.sign_with_outcome(
        unsigned, level=SignatureLevel.B_B, stamp=officer_stamp(OFFICER, SCAN, unit=UNIT)
    )
    assert outcome.stamp is not None and outcome.stamp.on_blank
    assert outcome.stamp.layout.font_size >= 8.0
    before = render(_write(tmp_path, "unsigned.pdf", unsigned))
    area = _pixels(_rect(outcome.pdf, outcome.field_name), 100)
    assert int((before[area] < INK).sum()) == 0
    _agree(_write(tmp_path, "signed.pdf", outcome.pdf), trust)


def test_certified_copy_block_on_a_letterhead(agency: DocumentSigner, tmp_path: Path, trust: TrustSettings) -> None:
    unsigned = image_pdf(letterhead_image())
    outcome = agency.sign_with_outcome(
        unsigned, level=SignatureLevel.B_B, stamp=certified_copy_stamp("UBND xã Hải Lăng", "7/2026/SCBS-ĐT", at=SCAN)
    )
    before = render(_write(tmp_path, "unsigned.pdf", unsigned))
    rect = _rect(outcome.pdf, outcome.field_name)
    assert int((before[_pixels(rect, 100)] < INK).sum()) == 0
    assert (rect[0] + rect[2]) / 2 > 595 / 2
    assert not re.search(r"chứng thực|7/2026", page_text(_write(tmp_path, "copy.pdf", outcome.pdf)))
    _agree(tmp_path / "copy.pdf", trust)


def test_a_full_top_band_sends_the_seal_to_blank_paper_below(
    agency: DocumentSigner, tmp_path: Path, trust: TrustSettings
) -> None:
    """No blank spot in the top band (a scan full of text to 40% of the page): the seal goes on blank paper
    lower down, nearest the top-right corner, never over the text."""
    from PIL import ImageDraw

    image = letterhead_image()
    draw = ImageDraw.Draw(image)
    for y in range(0, int(image.height * 0.4), 14):  # dense lines of "text" across the whole width
        draw.rectangle((0, y, image.width, y + 8), fill=20)
    draw.rectangle((0, int(image.height * 0.4), image.width, image.height), fill=250)
    unsigned = image_pdf(image)
    outcome = agency.sign_with_outcome(
        unsigned, level=SignatureLevel.B_B, stamp=agency_stamp("Ủy ban nhân dân xã Hải Lăng", SAMPLE_SEAL, at=SCAN)
    )
    assert outcome.stamp is not None and outcome.stamp.on_blank
    rect = _rect(outcome.pdf, outcome.field_name)
    assert rect[3] <= 842 * 0.6, "below the text"
    before = render(_write(tmp_path, "unsigned.pdf", unsigned))
    assert int((before[_pixels(rect, 100)] < INK).sum()) == 0
    _agree(_write(tmp_path, "sealed.pdf", outcome.pdf), trust)


def test_a_seal_stays_readable_below_the_text_rather_than_a_dot_above_the_letterhead(
    agency: DocumentSigner, tmp_path: Path, trust: TrustSettings
) -> None:
    """A one-paragraph result whose letterhead starts 18 mm from the top (the walk's page): above the letterhead
    only a seal shrunk to a red dot would fit, so the stamp goes at full size on the blank paper after the text,
    nearest the top-right corner, 8 pt clear of any ink (not touching the letterhead or the text)."""
    from PIL import ImageDraw

    image = letterhead_image(top_mm=18)
    ImageDraw.Draw(image).rectangle((0, round(110 / 25.4 * 150), image.width, image.height), fill=250)
    unsigned = image_pdf(image)
    outcome = agency.sign_with_outcome(
        unsigned, level=SignatureLevel.B_B, stamp=agency_stamp("Ủy ban nhân dân xã Hải Lăng", SAMPLE_SEAL, at=SCAN)
    )
    assert outcome.stamp is not None and outcome.stamp.on_blank and not outcome.stamp.layout.last_resort
    seal = outcome.stamp.layout.image_size
    assert outcome.stamp.layout.font_size == 10.0 and seal is not None and round(seal[0]) == 102  # actual size
    rect = _rect(outcome.pdf, outcome.field_name)
    assert (rect[0] + rect[2]) / 2 > 595 / 2, "on the right, the agency's side"
    before = render(_write(tmp_path, "unsigned.pdf", unsigned))
    clear = _pixels((rect[0] - 7, rect[1] - 7, rect[2] + 7, rect[3] + 7), 100)
    assert int((before[clear] < INK).sum()) == 0, "7 pt around the stamp were blank"
    _agree(_write(tmp_path, "sealed.pdf", outcome.pdf), trust)
