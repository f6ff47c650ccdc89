"""The public look-up without login: code, completion state and appointment only, by code or receipt QR payload,
and the dossier's status QR code as PNG (decoded back with OpenCV) or SVG.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest

from core.types import Role
from issuing.calendar import default_calendar, default_procedures
from tests.api.conftest import OWNER_ID, Api, sample_pdf

META = {"type_code": "GPKD", "name": "Giấy chứng nhận", "issued_at": "2026-11-20", "valid_until": "2031-11-20"}
PUBLIC_KEYS = {
    "code",
    "state",
    "state_vi",
    "completed",
    "appointment_at",
    "appointment_moved",
    "receipt_appointment_at",
    "overdue",
}


pytestmark = pytest.mark.slow  # the session starts the test PKI


def test_status_shows_code_and_completion_only(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    dossier = api_app.dossier(agency_code)
    url = f"/api/v1/public/dossiers/{dossier.code}/status"
    before = api_app.client.get(url)
    assert before.status_code == 200
    expected = {"code": dossier.code, "state": "received", "state_vi": "Đã tiếp nhận", "completed": False}
    assert {key: before.json()[key] for key in expected} == expected
    stored = api_app.client.post(
        f"/api/v1/dossiers/{dossier.code}/results",
        headers=api_app.headers(Role.HANDLER, agency_code),
        files={"file": ("kq.pdf", agency_sign(sample_pdf("Giấy chứng nhận")), "application/pdf")},
        data={"metadata": json.dumps(META)},
    )
    assert stored.status_code == 201, stored.text
    after = api_app.client.get(url).json()
    assert after["completed"] is True and after["state"] == "result_ready"  # the stored result moved it
    assert after["state_vi"] == "Đã có kết quả"
    assert set(after) == PUBLIC_KEYS  # nothing personal
    assert after["appointment_at"] is None  # a dossier with its result has no appointment left to wait for

    receipt = api_app.client.get(
        f"/api/v1/dossiers/{dossier.code}/receipt?format=json", headers=api_app.headers(Role.HANDLER, agency_code)
    ).json()
    by_qr = api_app.client.get("/api/v1/public/status", params={"qr": receipt["qr_payload"]})
    assert by_qr.status_code == 200 and by_qr.json()["code"] == dossier.code


def _public(api: Api, code: str) -> dict[str, Any]:
    got = api.client.get(f"/api/v1/public/dossiers/{code}/status")
    assert got.status_code == 200, got.text
    assert set(got.json()) == PUBLIC_KEYS and OWNER_ID not in got.text
    return dict(got.json())


def _when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _move(api: Api, code: str, agency: str, **body: Any) -> None:
    moved = api.client.post(
        f"/api/v1/dossiers/{code}/transitions", headers=api.headers(Role.HANDLER, agency), json=body
    )
    assert moved.status_code == 201, moved.text


def test_status_shows_the_appointment_and_the_new_date_an_apology_gave(api_app: Api, agency_code: str) -> None:
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=12)  # its 3 working days ran out long ago
    dossier = api_app.dossier(agency_code, received_at=received)
    calendar = default_calendar()
    printed = calendar.appointment(received, default_procedures().get(dossier.procedure_code).processing_time)
    late = _public(api_app, dossier.code)
    assert _when(late["appointment_at"]) == printed.appointment_at  # the date the receipt printed
    assert late["overdue"] is True and late["appointment_moved"] is None and late["receipt_appointment_at"] is None

    new_date = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    _move(api_app, dossier.code, agency_code, action="apologise", reason="Chờ ý kiến", new_date=new_date.isoformat())
    sorry = _public(api_app, dossier.code)
    assert _when(sorry["appointment_at"]) == calendar.next_session_start(new_date)
    assert sorry["appointment_moved"] == "apology" and sorry["overdue"] is False
    assert _when(sorry["receipt_appointment_at"]) == printed.appointment_at

    _move(api_app, dossier.code, agency_code, action="request_supplement", missing=["Bản vẽ"], reason="Thiếu")
    stopped = _public(api_app, dossier.code)
    assert stopped["state"] == "supplement_requested" and stopped["appointment_at"] is None  # the clock stopped
    _move(api_app, dossier.code, agency_code, action="receive_supplement")
    again = _public(api_app, dossier.code)
    assert again["appointment_moved"] == "supplement" and again["overdue"] is False
    assert _when(again["appointment_at"]) > dt.datetime.now(dt.UTC)  # type: ignore[operator]  # counted anew


def test_unknown_and_malformed_look_ups(api_app: Api, agency_code: str) -> None:
    assert api_app.client.get(f"/api/v1/public/dossiers/{agency_code}-991231-9999/status").status_code == 404
    assert api_app.client.get("/api/v1/public/dossiers/not-a-code/status").status_code == 404
    bad = api_app.client.get("/api/v1/public/status", params={"qr": "https://example.vn/x"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_status_qr_png_and_svg(api_app: Api, agency_code: str) -> None:
    dossier = api_app.dossier(agency_code)
    png = api_app.client.get(f"/api/v1/public/dossiers/{dossier.code}/qr")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = cv2.imdecode(np.frombuffer(png.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    assert text == f"http://testserver/tra-cuu/{dossier.code}"
    svg = api_app.client.get(f"/api/v1/public/dossiers/{dossier.code}/qr", params={"format": "svg"})
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    assert api_app.client.get(f"/api/v1/public/dossiers/{agency_code}-991231-9999/qr").status_code == 404
