"""Visible stamps: positions, seal at actual size, Vietnamese text in the embedded font with sane widths."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel
from signing.fonts import prepared_font
from signing.identity import load_pkcs12
from signing.sample_seal import SAMPLE_SEAL
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.stamps import (
    CERTIFIED_COPY_TITLE,
    StampKind,
    agency_stamp,
    certified_copy_stamp,
    field_box,
    image_size_pt,
    officer_stamp,
)
from signing.trust import TrustSettings
from tests.support.pki import RunningPki

A4 = (0.0, 0.0, 595.0, 842.0)
SCAN = dt.datetime(2026, 11, 20, 2, 30, 5, tzinfo=dt.UTC)


def test_texts_use_vietnam_time() -> None:
    officer = officer_stamp("Nguyễn Thị Hồng Nhung", SCAN)
    assert officer.lines[-1] == "Thời gian số hóa: 2026-11-20T09:30:05+07:00"
    copy = certified_copy_stamp("UBND xã Hải Lăng", "123/2026/SY", at=SCAN)
    assert copy.lines == (CERTIFIED_COPY_TITLE, "UBND xã Hải Lăng", "Số chứng thực: 123/2026/SY", "09:30:05 20/11/2026")
    assert copy.kind is StampKind.CERTIFIED_COPY and copy.image is None and copy.font_size == 10
    assert copy.text_color == (0.0, 0.0, 0.0)


def test_positions_on_page_one() -> None:
    officer = field_box(officer_stamp("A", SCAN), A4)
    agency = field_box(agency_stamp("B", SAMPLE_SEAL, at=SCAN), A4)
    copy = field_box(certified_copy_stamp("C", "1", at=SCAN), A4)
    assert officer[0] == 28 and officer[3] == 842 - 28  # top-left
    assert agency[2] == 595 - 28 and agency[3] == 842 - 28  # top-right
    assert copy[2] == 595 - 28 and copy[3] == 842 - 28
    assert officer[2] <= agency[0], "officer and agency stamps must not overlap on A4"
    seal_w, seal_h = image_size_pt(SAMPLE_SEAL)
    assert seal_w == pytest.approx(36 / 25.4 * 72, abs=1.0)  # 36 mm seal at actual size
    assert agency[3] - agency[1] >= round(seal_h)
    with_signature = field_box(officer_stamp("A", SCAN, signature_png=SAMPLE_SEAL), A4)
    assert with_signature[2] - with_signature[0] == pytest.approx(officer[2] - officer[0] + seal_w + 4, abs=1)


def test_prepared_font_is_1000_upm_with_vietnamese(tmp_path: Path, settings: SigningSettings) -> None:
    from fontTools.ttLib import TTFont

    path = prepared_font(settings.resolved_font_path(), tmp_path)
    assert prepared_font(settings.resolved_font_path(), tmp_path) == path  # cached
    font = TTFont(str(path))
    assert font["head"].unitsPerEm == 1000
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "ơưđộốậỉữẮẰẲẴẶ")


@pytest.fixture(scope="module")
def agency(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> Iterator[DocumentSigner]:
    signer = DocumentSigner(load_pkcs12(pki.identity("agency").p12, pki.password), settings, trust=trust)
    yield signer
    signer.close()


def _appearance_font(pdf: bytes, field: str) -> tuple[str, list[float]]:
    doc = pikepdf.open(BytesIO(pdf))
    [widget] = [a for a in doc.pages[0].Annots if str(a.get("/T")) == field]
    fonts: list[pikepdf.Object] = []

    def collect(xobject: pikepdf.Object) -> None:
        resources: Any = xobject.get("/Resources", {})
        fonts.extend(resources.get("/Font", {}).values())
        for inner in resources.get("/XObject", {}).values():
            collect(inner)

    collect(widget.AP.N)
    [font] = fonts
    descendant = font.DescendantFonts[0]
    to_unicode = font.ToUnicode.read_bytes().decode("latin-1")
    widths = [float(w) for item in descendant.W for w in (item if isinstance(item, pikepdf.Array) else [])]
    return to_unicode, widths


def test_visible_stamp_embeds_vietnamese_glyphs(agency: DocumentSigner) -> None:
    spec = certified_copy_stamp("Ủy ban nhân dân xã Hải Lăng", "45/2026/SCT", at=SCAN)
    signed = agency.sign(sample_pdf(1), level=SignatureLevel.B_B, stamp=spec)
    to_unicode, widths = _appearance_font(signed, "sohoa_certified_copy_1")
    mapped = {int(code, 16) for code in re.findall(r"<([0-9A-Fa-f]{4})>\s*$", to_unicode, flags=re.M)}
    for letter in "ảệđửứựốăỦ":
        assert ord(letter) in mapped, f"{letter} missing from the stamp font"
    assert widths and max(widths) < 1000, "glyph widths must be in 1000-unit em (font rescaled)"


def test_stamp_page_is_configurable(agency: DocumentSigner) -> None:
    from signing.settings import StampPlacement

    placement = StampPlacement(page=-1, corner="bottom-left", width=150, height=40)
    spec = certified_copy_stamp("UBND xã Hải Lăng", "7/2026", at=SCAN, placement=placement)
    signed = agency.sign(sample_pdf(3), level=SignatureLevel.B_B, stamp=spec)
    doc = pikepdf.open(BytesIO(signed))
    assert "/Annots" not in doc.pages[0] and "/Annots" not in doc.pages[1]
    [widget] = doc.pages[2].Annots
    x1, y1, _, _ = (float(v) for v in widget.Rect)
    assert (x1, y1) == (28.0, 28.0)
