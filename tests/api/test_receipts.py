"""The receipt and appointment slip over the real app: its QR read back with OpenCV from a pdftoppm render holds
the expected fields; appointments follow the working calendar (Friday 16:50, a public holiday, a make-up Saturday).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.timezone import VN_TZ
from core.types import Actor, DocumentKind, Role
from issuing.qr import RECEIPT_PAPER_NAME, decode_receipt, find_qr_codes
from issuing.receipt import REUSED_VI
from tests.api.conftest import AGENCY_NAME, OWNER_ID, Api, first_page_text, sample_pdf
from vault.records import NewDocument

EIGHT_HOURS = "1.000001.000.00.00.H30"  # the shipped example procedure of 8 working hours


pytestmark = pytest.mark.slow  # the session starts the test PKI


def vn(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VN_TZ)


def render_first_page(pdf: bytes, dpi: int = 150) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "receipt.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", str(source), str(Path(folder) / "p")],
            check=True,
            capture_output=True,
            timeout=60,
        )
        (page,) = sorted(Path(folder).glob("p-*"))
        image = cv2.imread(str(page), cv2.IMREAD_GRAYSCALE)
        assert image is not None
        return image


def test_receipt_qr_holds_the_expected_fields(api_app: Api, agency_code: str) -> None:
    dossier = api_app.dossier(agency_code, EIGHT_HOURS, received_at=vn(2026, 3, 6, 16, 50))  # a Friday
    response = api_app.client.get(
        f"/api/v1/dossiers/{dossier.code}/receipt", headers=api_app.headers(Role.HANDLER, agency_code)
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(first_page_text(response.content).split())
    assert RECEIPT_PAPER_NAME.upper() in text and f"{AGENCY_NAME} tiếp nhận hồ sơ của:" in text
    assert "Nguyễn Văn An" in text and OWNER_ID not in text  # the personal ID is printed masked
    page = render_first_page(response.content)
    hits = {hit.text.split("|")[0]: hit for hit in find_qr_codes(page)}
    assert "SOHOA1" in hits, f"OpenCV found no receipt QR code on the receipt: {list(hits)}"
    text = hits["SOHOA1"].text
    height, width = page.shape
    corners = np.array(hits["SOHOA1"].corners)
    xs, ys = corners[:, 0], corners[:, 1]
    assert xs.max() < width / 2 and ys.max() < height / 3  # top-left
    # and lower down, the public status page's address, which a phone's camera opens
    assert [t for t in hits if t.startswith("http")] == [f"http://testserver/tra-cuu/{dossier.code}"], list(hits)
    payload = decode_receipt(text)
    assert payload.dossier_code == dossier.code
    assert payload.procedure_code == EIGHT_HOURS
    assert payload.owner_id == OWNER_ID[:3] + "******" + OWNER_ID[-3:]
    assert payload.paper_name == RECEIPT_PAPER_NAME and payload.issuing_system == "sohoa"
    assert payload.issued_at == vn(2026, 3, 6, 16, 50)
    # 10 min on Friday, 450 on Monday, 20 on Tuesday: deadline Tue 07:50, appointment at the next session
    assert payload.appointment_at == vn(2026, 3, 10, 13, 30)

    # the handlers' look-up accepts the same payload; the caller must see the dossier
    handler = api_app.headers(Role.HANDLER, agency_code)
    found = api_app.client.post("/api/v1/receipts/lookup", headers=handler, json={"qr": text})
    assert found.status_code == 200
    assert found.json()["dossier_code"] == dossier.code and found.json()["completed"] is False
    foreign = api_app.client.post(
        "/api/v1/receipts/lookup", headers=api_app.headers(Role.HANDLER, "000.00.97.H30"), json={"qr": text}
    )
    assert foreign.status_code == 404
    garbage = api_app.client.post("/api/v1/receipts/lookup", headers=handler, json={"qr": "SOHOA1|X|d=1"})
    assert garbage.status_code == 422


@pytest.mark.parametrize(
    ("received", "counted_from", "appointment"),
    [
        # Friday 16:50, 8 working hours (7 h 30 a day): deadline Tuesday 07:50, appointment Tuesday afternoon
        (vn(2026, 3, 6, 16, 50), vn(2026, 3, 6, 16, 50), vn(2026, 3, 10, 13, 30)),
        # Tuesday 1 September 2026 is a public holiday (and the 2nd): counting starts Thursday 07:30
        (vn(2026, 9, 1, 10, 0), vn(2026, 9, 3, 7, 30), vn(2026, 9, 4, 13, 30)),
        # Saturday 22 August 2026 is a make-up working day: it counts, the appointment is Monday afternoon
        (vn(2026, 8, 21, 16, 50), vn(2026, 8, 21, 16, 50), vn(2026, 8, 24, 13, 30)),
    ],
)
def test_appointment_follows_the_working_calendar(
    api_app: Api, agency_code: str, received: dt.datetime, counted_from: dt.datetime, appointment: dt.datetime
) -> None:
    dossier = api_app.dossier(agency_code, EIGHT_HOURS, received_at=received)
    response = api_app.client.get(
        f"/api/v1/dossiers/{dossier.code}/receipt?format=json", headers=api_app.headers(Role.HANDLER, agency_code)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert dt.datetime.fromisoformat(body["counted_from"]) == counted_from
    assert dt.datetime.fromisoformat(body["appointment_at"]) == appointment
    assert body["processing_time"] == "8 giờ làm việc"
    assert decode_receipt(body["qr_payload"]).appointment_at == appointment


def test_receipt_needs_a_known_procedure_and_a_visible_dossier(api_app: Api, agency_code: str) -> None:
    unknown = api_app.dossier(agency_code, "1.099999.000.00.00.H30", received_at=vn(2026, 3, 6, 9, 0))
    handler = api_app.headers(Role.HANDLER, agency_code)
    response = api_app.client.get(f"/api/v1/dossiers/{unknown.code}/receipt", headers=handler)
    assert response.status_code == 409 and "procedure table" in response.json()["detail"]
    owner = api_app.headers(Role.CITIZEN, owner_id=OWNER_ID)
    known = api_app.dossier(agency_code, EIGHT_HOURS, received_at=vn(2026, 3, 6, 9, 0))
    assert api_app.client.get(f"/api/v1/dossiers/{known.code}/receipt", headers=owner).status_code == 200
    other = api_app.headers(Role.CITIZEN, owner_id="045190009876")
    assert api_app.client.get(f"/api/v1/dossiers/{known.code}/receipt", headers=other).status_code == 404


def test_a_station_signs_the_receipt_as_its_officer_and_names_come_from_the_shipped_list(
    api_app: Api, issuing_env: None
) -> None:
    shipped = "000.00.00.H30"  # not in the operator's SOHOA_ISSUING_AGENCY_NAMES ({}): the shipped list names it
    dossier = api_app.dossier(shipped, EIGHT_HOURS, received_at=vn(2026, 3, 6, 16, 50))
    station = api_app.headers(Role.STATION, shipped, name="Lê Thị Thu")
    response = api_app.client.get(f"/api/v1/dossiers/{dossier.code}/receipt", headers=station)
    assert response.status_code == 200
    text = " ".join(first_page_text(response.content).split())
    assert "UBND TỈNH MẪU (VÍ DỤ)" in text or "UBND tỉnh Mẫu (ví dụ)" in text
    assert "UBND tỉnh Mẫu (ví dụ) tiếp nhận hồ sơ của:" in text
    assert f"{shipped} tiếp nhận" not in text
    assert text.index("NGƯỜI TIẾP NHẬN HỒ SƠ") < text.index("Lê Thị Thu")
    # a handler re-printing it is not the receiving officer: the line stays blank for a hand-written name
    handler = api_app.headers(Role.HANDLER, shipped, name="Phan Văn Hải")
    reprinted = api_app.client.get(f"/api/v1/dossiers/{dossier.code}/receipt", headers=handler)
    assert reprinted.status_code == 200 and "Phan Văn Hải" not in first_page_text(reprinted.content)


def test_a_paper_reused_from_the_vault_is_marked_on_the_receipt(api_app: Api, agency_code: str) -> None:
    vault = api_app.services.vault
    station = Actor("station-1", Role.STATION, agency_code=agency_code, name="Lê Thị Thu")
    earlier = api_app.dossier(agency_code, EIGHT_HOURS, received_at=vn(2026, 3, 2, 9, 0))
    now = api_app.dossier(agency_code, EIGHT_HOURS, received_at=vn(2026, 3, 6, 9, 0))

    def store(name: str, type_code: str, dossier_code: str) -> str:
        paper = NewDocument(
            owner_id=OWNER_ID,
            name=name,
            kind=DocumentKind.COMPONENT,
            type_code=type_code,
            source_dossier_code=dossier_code,
        )
        return str(vault.store_document(paper, sample_pdf(name), station).id)

    birth = store("Giấy khai sinh", "GKS", earlier.code)  # digitised for an earlier dossier, kept in her vault
    vault.attach(now.code, birth, "Giấy khai sinh", station)
    store("Tờ khai đăng ký", "TK", now.code)  # scanned at the counter for this one
    at_counter = api_app.headers(Role.STATION, agency_code)
    response = api_app.client.get(f"/api/v1/dossiers/{now.code}/receipt", headers=at_counter)
    assert response.status_code == 200
    text = " ".join(first_page_text(response.content).split())
    lines = text[text.index("1. Thành phần hồ sơ nộp gồm:") : text.index("2. Số lượng hồ sơ:")]
    reused = lines[lines.index("Giấy khai sinh") : lines.index("Tờ khai đăng ký")]
    scanned = lines[lines.index("Tờ khai đăng ký") :]
    assert REUSED_VI in reused and "không nộp bản giấy" in reused, lines
    assert "số lượng" not in reused, lines  # nothing handed in on paper
    assert REUSED_VI not in scanned and "số lượng: 01" in scanned, lines
