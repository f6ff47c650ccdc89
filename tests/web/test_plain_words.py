"""What people read when they get something wrong: the counter and the citizen's vault answer in plain Vietnamese
(the API words its refusals in English), and a grant goes to the grantee the citizen chose or to no one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.settings import ApiSettings
from core.types import Actor, Role
from ocr.verdict_words import first_match
from tests.api.world import _store
from tests.web.test_session import _client, _csrf
from web.reasons import problem_vi, reason_vi

AGENCY = "000.00.00.H30"
PROCEDURE = "1.011442.000.00.00.H30"
OWNER = "045190001234"


def _signed_in(tmp_path: Path, **form: str) -> TestClient:
    client = _client(tmp_path, ApiSettings())
    answer = client.post("/dang-nhap/phat-trien", data={**form, "csrf": _csrf(client)}, follow_redirects=False)
    assert answer.status_code == 303
    return client


def _shown(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</p>', html, re.S)
    assert match, html[:2000]
    return match.group(1)


@pytest.fixture
def station(tmp_path: Path) -> TestClient:
    return _signed_in(tmp_path, role="station", name="Nguyễn Thị Lan", agency=AGENCY)


@pytest.fixture
def citizen(tmp_path: Path) -> TestClient:
    return _signed_in(tmp_path, role="citizen", name="Trần Thị Hoa", owner=OWNER)


def test_a_mistyped_owner_id_at_the_counter_is_said_in_vietnamese(station: TestClient) -> None:
    form = {"csrf": _csrf(station, "/quay"), "owner": "12345", "procedure": PROCEDURE}
    answer = station.post("/quay/kiem-tra-kho", data=form)
    assert answer.status_code == 422
    error = _shown(answer.text, "error")
    assert error.startswith("Số định danh chủ hồ sơ không hợp lệ: cần số định danh cá nhân 12 chữ số"), error
    assert "tax code" not in answer.text


def test_a_batch_without_cover_sheets_says_what_to_do(station: TestClient) -> None:
    scan = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(scan, "JPEG", dpi=(150, 150))
    form = {"csrf": _csrf(station, "/quay"), "owner": OWNER, "procedure": PROCEDURE, "split": "qr"}
    answer = station.post("/quay", data=form, files={"files": ("scan-1.jpg", scan.getvalue(), "image/jpeg")})
    assert answer.status_code == 422
    assert "Không tìm thấy tờ bìa có mã QR trong lô" in _shown(answer.text, "error")


def test_a_grant_to_an_agency_without_its_code_is_refused_not_given_to_the_portal(citizen: TestClient) -> None:
    csrf = _csrf(citizen, "/kho")
    form = {"csrf": csrf, "grantee_kind": "agency", "grantee": "", "document_id": "d" * 32, "purpose": "Kiểm tra"}
    answer = citizen.post("/kho/cap-quyen", data={**form, "expires": "2030-01-01"})
    assert answer.status_code == 422
    assert _shown(answer.text, "message") == "Không cấp được quyền: nhập mã cơ quan được cấp quyền."
    assert citizen.get("/api/v1/me/grants").json() == []
    wrong = citizen.post("/kho/cap-quyen", data={**form, "grantee": "abc", "expires": "2030-01-01"})
    assert wrong.status_code == 422
    assert "Mã cơ quan không đúng dạng" in _shown(wrong.text, "message")
    past = citizen.post("/kho/cap-quyen", data={**form, "grantee": AGENCY, "expires": "2020-01-01"})
    assert past.status_code == 422
    assert _shown(past.text, "message") == "Không cấp được quyền: ngày hết hạn phải sau hôm nay."
    assert citizen.get("/api/v1/me/grants").json() == []


def test_reusing_a_paper_in_a_mistyped_dossier_says_so(citizen: TestClient) -> None:
    form = {"csrf": _csrf(citizen, "/kho"), "dossier": "000.00.00.H30-261130-0999", "document_id": "d" * 32}
    answer = citizen.post("/kho/dung-lai", data=form)
    assert answer.status_code == 404
    assert "không có hồ sơ 000.00.00.H30-261130-0999 trong các hồ sơ của bạn" in _shown(answer.text, "message")


def test_unknown_wording_is_passed_through() -> None:
    assert problem_vi("something new went wrong") == "something new went wrong"
    assert problem_vi("0003-x.jpg: not a JPEG, PNG, TIFF or PDF scan (checked by content)") == (
        "Tệp 0003-x.jpg không phải ảnh quét JPEG, PNG, TIFF hoặc PDF."
    )


def test_page_reasons_and_refusals_read_through_one_first_match() -> None:
    rules = ((re.compile(r"a (\d+)( b)?"), "one {0}{1}"), (re.compile(r"a"), "two"))
    assert first_match(rules, "x a 7 y") == ("one {0}{1}", ["7", ""])  # the first rule wins; a missing group is ""
    assert first_match(rules, "nothing here") is None
    assert reason_vi("scanned at 150 dpi (inferred: the file states none); at least 200 dpi is required") == (
        "độ phân giải thấp: quét ở 150 dpi (tệp không ghi độ phân giải), cần ít nhất 200 dpi — quét lại ở 300 dpi"
    )
    plain = reason_vi("scanned at 150 dpi; at least 200 dpi is required")
    assert plain.startswith("độ phân giải thấp: quét ở 150 dpi,")
    assert problem_vi("page(s) 1, 2 come before the first cover sheet") == "Trang 1, 2 nằm trước tờ bìa đầu tiên."


def test_paper_types_to_check_may_be_typed_with_spaces_as_in_the_consent_form(station: TestClient) -> None:
    form = {"csrf": _csrf(station, "/quay"), "owner": OWNER, "procedure": "", "types": "GKS CCCD"}
    answer = station.post("/quay/kiem-tra-kho", data=form)
    assert answer.status_code == 200, answer.text[:2000]
    assert "0/2 giấy tờ đã có trong kho; cần quét 2" in answer.text


def test_a_handler_whose_grant_was_revoked_reads_why_in_vietnamese(tmp_path: Path) -> None:
    """A paper of another agency's dossier, granted to this agency then revoked by its owner: the document page
    says the citizen withdrew the right (or it expired), not the API's English and not "no such page"."""
    handler = _signed_in(tmp_path, role="handler", name="Lê Văn Cường", agency=AGENCY)
    svc = handler.app.state.services  # type: ignore[attr-defined]
    admin = Actor("root", Role.ADMIN)
    here = svc.vault.open_dossier(AGENCY, PROCEDURE, OWNER, admin).code
    there = svc.vault.open_dossier("000.00.00.H31", PROCEDURE, OWNER, admin).code
    paper = _store(svc, "Giấy khai sinh", OWNER, there, "000.00.00.H31", "GKS")
    owner = Actor(OWNER, Role.CITIZEN, owner_id=OWNER)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    grant = svc.vault.create_grant(OWNER, AGENCY, "Thẩm định hồ sơ", until, owner, type_code="GKS")
    stated = handler.post(
        f"/ho-so/{here}/muc-dich",
        data={"csrf": _csrf(handler, f"/ho-so/{here}"), "purpose": "Thẩm định hồ sơ"},
        follow_redirects=False,
    )
    assert stated.status_code == 303
    assert handler.get(f"/ho-so/{here}/tai-lieu/{paper}").status_code == 200
    svc.vault.revoke_grant(grant.id, owner)
    refused = handler.get(f"/ho-so/{here}/tai-lieu/{paper}")
    assert refused.status_code == 403
    assert "Công dân đã thu hồi quyền xem giấy tờ này cho mục đích đã nêu, hoặc quyền đó đã hết hạn." in refused.text
    assert "grant" not in refused.text and OWNER not in refused.text
