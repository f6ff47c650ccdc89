"""The public look-up without login: code and completion state only, by code or receipt QR payload, and the
dossier's status QR code as PNG (decoded back with OpenCV) or SVG.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from core.types import Role
from tests.api.conftest import Api, sample_pdf

META = {"type_code": "GPKD", "name": "Giấy chứng nhận", "issued_at": "2026-11-20", "valid_until": "2031-11-20"}


pytestmark = pytest.mark.slow  # the session starts the test PKI


def test_status_shows_code_and_completion_only(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    dossier = api_app.dossier(agency_code)
    url = f"/api/v1/public/dossiers/{dossier.code}/status"
    before = api_app.client.get(url)
    assert before.status_code == 200
    expected = {"code": dossier.code, "state": "received", "state_vi": "Đã tiếp nhận", "completed": False}
    assert before.json() == expected
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
    assert set(after) == {"code", "state", "state_vi", "completed"}  # nothing personal

    receipt = api_app.client.get(
        f"/api/v1/dossiers/{dossier.code}/receipt?format=json", headers=api_app.headers(Role.HANDLER, agency_code)
    ).json()
    by_qr = api_app.client.get("/api/v1/public/status", params={"qr": receipt["qr_payload"]})
    assert by_qr.status_code == 200 and by_qr.json()["code"] == dossier.code


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
