"""QR payloads: encode/decode round trips, clear refusals, owner-id masking, and what the detector ignores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import cv2
import numpy as np
import pytest
import qrcode

from core.timezone import VN_TZ
from core.types import DocumentKind
from issuing.qr import (
    CoverSheetPayload,
    PayloadError,
    ReceiptPayload,
    decode_cover_sheet,
    decode_receipt,
    encode_cover_sheet,
    encode_receipt,
    find_cover_sheet,
    find_qr_codes,
    mask_owner_id,
)
from tests.issuing.paperwork_support import blank_page

RECEIPT = ReceiptPayload(
    dossier_code="000.00.00.H30-260306-0007",
    procedure_code="1.011442.000.00.00.H30",
    owner_id="045******234",
    issued_at=dt.datetime(2026, 3, 6, 16, 52, 10, tzinfo=VN_TZ),
    appointment_at=dt.datetime(2026, 3, 11, 13, 30, tzinfo=VN_TZ),
)


def test_a_cover_sheet_payload_round_trips_with_separators_in_the_name() -> None:
    sheet = CoverSheetPayload(
        "000.00.00.H30-261122-0001", "KQ.01", "Quyết định số 12|QĐ=UBND 100% đạt", DocumentKind.RESULT
    )
    text = encode_cover_sheet(sheet)
    assert text.startswith("SOHOA1|C|d=000.00.00.H30-261122-0001|t=KQ.01|")
    assert text.count("|") == 5  # the '|' in the name is escaped
    assert decode_cover_sheet(text) == sheet


def test_the_default_kind_is_left_out_of_the_payload() -> None:
    text = encode_cover_sheet(CoverSheetPayload("000.00.00.H30-261122-0001", "GKS", "Giấy khai sinh"))
    assert text == "SOHOA1|C|d=000.00.00.H30-261122-0001|t=GKS|n=Giấy khai sinh"
    assert decode_cover_sheet(text).kind is DocumentKind.COMPONENT


def test_a_receipt_payload_round_trips_in_vietnam_time() -> None:
    text = encode_receipt(RECEIPT)
    assert "|t=2026-03-06T16:52:10+07:00|" in text
    assert text.endswith("|a=2026-03-11T13:30+07:00")
    assert "|n=Giấy tiếp nhận hồ sơ và hẹn trả kết quả|s=sohoa|" in text
    assert decode_receipt(text) == RECEIPT


def test_utc_times_are_written_in_vietnam_time() -> None:
    utc = RECEIPT.issued_at.astimezone(dt.UTC)
    text = encode_receipt(ReceiptPayload(**{**RECEIPT.__dict__, "issued_at": utc}))
    assert "|t=2026-03-06T16:52:10+07:00|" in text


@pytest.mark.parametrize(
    ("decode", "text", "message"),
    [
        (decode_cover_sheet, "https://example.org/x", "not a sohoa payload"),
        (decode_receipt, "SOHOA2|R|d=x", "unsupported sohoa payload version"),
        (decode_cover_sheet, "SOHOA1|C|d=000.00.00.H30-261122-0001|t=GKS", "document name"),
        (decode_cover_sheet, "SOHOA1|C|d=000.00.00.H30-261122-0001|t=GKS|n=A|k=poster", "unknown document kind"),
        (decode_cover_sheet, "SOHOA1|C|d=H30-1|t=GKS|n=A", "dossier code"),
        (decode_cover_sheet, "SOHOA1|C|d000.00.00.H30-261122-0001", "malformed field"),
        (decode_receipt, "SOHOA1|C|d=000.00.00.H30-261122-0001|t=GKS|n=A", "not a receipt payload"),
        (decode_cover_sheet, "SOHOA1|R|d=000.00.00.H30-261122-0001", "not a cover sheet payload"),
    ],
)
def test_bad_payloads_are_refused_with_the_reason(decode: Callable[[str], object], text: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        decode(text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("p", "1.01144", "procedure code"),
        ("t", "yesterday", "issue time"),
        ("t", "2026-03-06T16:52:10", "no UTC offset"),
    ],
)
def test_bad_receipt_fields_are_refused(field: str, value: str, message: str) -> None:
    parts = [
        f"{field}={value}" if part.startswith(f"{field}=") else part for part in encode_receipt(RECEIPT).split("|")
    ]
    with pytest.raises(PayloadError, match=message):
        decode_receipt("|".join(parts))


def test_personal_ids_are_masked_and_tax_codes_are_not() -> None:
    assert mask_owner_id("045190001234") == "045******234"
    assert mask_owner_id("B1234567") == "B12**567"
    assert mask_owner_id("0100109106") == "0100109106"  # an enterprise tax code is a public record
    assert mask_owner_id("0100109106-001") == "0100109106-001"


def _qr_image(text: str, box: int = 8) -> np.ndarray:
    code = qrcode.QRCode(border=4, box_size=box)
    code.add_data(text)
    code.make(fit=True)
    image = np.array(code.make_image().convert("L"), dtype=np.uint8)
    page = blank_page()
    page[300 : 300 + image.shape[0], 300 : 300 + image.shape[1]] = image
    return page


def test_a_blank_page_has_no_code() -> None:
    assert find_qr_codes(blank_page()) == []
    assert find_cover_sheet(blank_page()) is None


def test_a_foreign_code_is_read_but_is_no_cover_sheet() -> None:
    page = _qr_image("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html")
    hits = find_qr_codes(page)
    assert [hit.text for hit in hits] == ["https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html"]
    assert find_cover_sheet(page) is None


def test_a_receipt_code_on_a_page_is_no_cover_sheet() -> None:
    page = _qr_image(encode_receipt(RECEIPT))
    assert find_cover_sheet(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)) is None
    assert decode_receipt(find_qr_codes(page, max_side=4000)[0].text) == RECEIPT
