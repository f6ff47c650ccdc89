"""Visible stamps: positions, seal at actual size, Vietnamese text in the embedded font with sane widths."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel
from signing.fonts import prepared_font
from signing.sample_seal import SAMPLE_SEAL
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.stamps import (
    CERTIFIED_COPY_TITLE,
    StampKind,
    agency_stamp,
    certified_copy_stamp,
    image_size_pt,
    officer_stamp,
)

SCAN = dt.datetime(2026, 11, 20, 2, 30, 5, tzinfo=dt.UTC)


def test_texts_use_vietnam_time() -> None:
    officer = officer_stamp("Nguyễn Thị Hồng Nhung", SCAN, unit="UBND xã Hải Lăng")
    assert officer.lines == (
        "Người số hóa: Nguyễn Thị Hồng Nhung",
        "UBND xã Hải Lăng",
        "Thời gian ký: 20/11/2026 09:30:05",
    )
    assert officer.compact == (
        "Người số hóa:",
        "Nguyễn Thị Hồng Nhung",
        "UBND xã Hải Lăng",
        "Thời gian ký:",
        "20/11/2026 09:30:05",
    )
    assert agency_stamp("UBND xã Hải Lăng", SAMPLE_SEAL, at=SCAN).lines[-1] == "Thời gian ký: 20/11/2026 09:30:05"
    copy = certified_copy_stamp("UBND xã Hải Lăng", "123/2026/SY", at=SCAN)
    assert copy.lines == (CERTIFIED_COPY_TITLE, "UBND xã Hải Lăng", "Số chứng thực: 123/2026/SY", "09:30:05 20/11/2026")
    assert copy.kind is StampKind.CERTIFIED_COPY and copy.image is None and copy.font_size == 10
    assert copy.text_color == (0.0, 0.0, 0.0)


def test_seal_size_from_its_dpi() -> None:
    seal_w, seal_h = image_size_pt(SAMPLE_SEAL)
    assert seal_w == pytest.approx(36 / 25.4 * 72, abs=1.0)  # 36 mm seal at actual size
    assert seal_h == pytest.approx(seal_w, abs=1.0)


def test_prepared_font_is_1000_upm_with_vietnamese(tmp_path: Path, settings: SigningSettings) -> None:
    from fontTools.ttLib import TTFont

    path = prepared_font(settings.resolved_font_path(), tmp_path)
    assert prepared_font(settings.resolved_font_path(), tmp_path) == path  # cached
    font = TTFont(str(path))
    assert font["head"].unitsPerEm == 1000
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "ơưđộốậỉữẮẰẲẴẶ")


def _appearance(pdf: bytes, field: str) -> tuple[bytes, list[Any]]:
    """The stamp's appearance content (nested forms included) and every font it uses."""
    doc = pikepdf.open(BytesIO(pdf))
    [widget] = [a for a in doc.pages[0].Annots if str(a.get("/T", a.get("/Parent", {}).get("/T", ""))) == field]
    fonts: list[Any] = []
    streams: list[bytes] = []

    def collect(xobject: pikepdf.Object) -> None:
        streams.append(xobject.read_bytes())
        resources: Any = xobject.get("/Resources", {})
        fonts.extend(resources.get("/Font", {}).values())
        for inner in resources.get("/XObject", {}).values():
            if inner.get("/Subtype") == "/Form":
                collect(inner)

    collect(widget.AP.N)
    return b"\n".join(streams), fonts


def test_stamp_is_drawn_as_outlines_not_text(agency: DocumentSigner) -> None:
    spec = certified_copy_stamp("Ủy ban nhân dân xã Hải Lăng", "45/2026/SCT", at=SCAN)
    signed = agency.sign(sample_pdf(1), level=SignatureLevel.B_B, stamp=spec)
    content, fonts = _appearance(signed, "sohoa_certified_copy_1")
    assert fonts == [], "the stamp must not carry a font (its text would enter the text layer)"
    assert b" f " in content or content.rstrip().endswith(b" f"), "glyph outlines are filled paths"
    assert b"BT" not in content.split()


def test_stamp_page_is_configurable(agency: DocumentSigner) -> None:
    from signing.settings import StampPlacement

    placement = StampPlacement(page=-1, corner="bottom-left", width=150, height=40)
    spec = certified_copy_stamp("UBND xã Hải Lăng", "7/2026", at=SCAN, placement=placement)
    signed = agency.sign(sample_pdf(3), level=SignatureLevel.B_B, stamp=spec)
    doc = pikepdf.open(BytesIO(signed))
    assert "/Annots" not in doc.pages[0] and "/Annots" not in doc.pages[1]
    [widget] = doc.pages[2].Annots
    x1, y1, _, _ = (float(v) for v in widget.Rect)
    assert (x1, y1) == (14.0, 14.0)  # bottom corners: fixed place, 5 mm from the edges
