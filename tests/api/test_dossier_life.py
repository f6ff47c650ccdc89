"""A dossier's life over the real app and the real test PKI: legal moves only (409 otherwise, 403 for the wrong role,
404 for another agency), the clock on the working calendar (stopped by a supplement request, started over when the
papers arrive, moved by an apology), signed notices with the QR in the owner's vault, webhooks for each move, and
the public's view (code, state and, while open, the appointment).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.types import Actor, Role, Verdict
from issuing import webhooks
from issuing.calendar import default_calendar, default_procedures
from issuing.qr import decode_receipt, find_qr_codes
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.api.conftest import OWNER_ID, Api, first_page_text
from tests.issuing.paperwork_support import render_pages

pytestmark = pytest.mark.slow
DEPARTMENT = "Phòng Quản lý đô thị"


def _move(api: Api, code: str, agency: str, role: Role = Role.HANDLER, **body: Any) -> Any:
    return api.client.post(f"/api/v1/dossiers/{code}/transitions", headers=api.headers(role, agency), json=body)


def _life(api: Api, code: str, agency: str) -> dict[str, Any]:
    got = api.client.get(f"/api/v1/dossiers/{code}", headers=api.headers(Role.HANDLER, agency))
    assert got.status_code == 200, got.text
    return dict(got.json())


def _notice(api: Api, doc_id: str) -> bytes:
    citizen = api.headers(Role.CITIZEN, owner_id=OWNER_ID)
    record = api.client.get(f"/api/v1/documents/{doc_id}", headers=citizen)
    assert record.status_code == 200, record.text
    assert record.json()["kind"] == "notice" and record.json()["owner_id"] == OWNER_ID
    content = api.client.get(f"/api/v1/documents/{doc_id}/content", headers=citizen)
    assert content.status_code == 200
    versions = api.client.get(f"/api/v1/documents/{doc_id}/versions", headers=citizen).json()
    assert [v["signature_level"] for v in versions] == ["B-T"]  # the level the agency's signer reached, stored
    return bytes(content.content)


def test_the_life_of_a_dossier(api_app: Api, agency_code: str, trust: TrustSettings) -> None:
    with api_app.services.sessions.begin() as session:
        hook = webhooks.register(
            session, agency_code, "https://one-stop.example.vn/hooks", sorted(webhooks.DOSSIER_EVENTS), "t"
        )
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=12)  # 3 working days ran out long ago
    code = api_app.dossier(agency_code, received_at=received).code
    life = _life(api_app, code, agency_code)
    calendar, procedures = default_calendar(), default_procedures()
    expected = calendar.appointment(received, procedures.get("1.011442.000.00.00.H30").processing_time).deadline
    assert life["life"]["state"] == "received" and life["life"]["state_vi"] == "Đã tiếp nhận"
    assert dt.datetime.fromisoformat(life["life"]["deadline"]) == expected
    assert life["life"]["overdue"] is True and "assign" in life["life"]["moves"]
    assert [e["action"] for e in life["events"]] == ["receive"]

    assert _move(api_app, code, agency_code, Role.STATION, action="assign", department=DEPARTMENT).status_code == 403
    assert _move(api_app, code, "000.00.99.H30", action="assign", department=DEPARTMENT).status_code == 404
    assert _move(api_app, code, agency_code, action="return").status_code == 409
    assert _move(api_app, code, agency_code, action="assign").status_code == 422
    assert _move(api_app, code, agency_code, action="fly").status_code == 422

    assigned = _move(api_app, code, agency_code, action="assign", department=DEPARTMENT)
    assert assigned.status_code == 201, assigned.text
    assert assigned.json()["life"]["state"] == "processing" and assigned.json()["life"]["department"] == DEPARTMENT

    missing = ["Bản vẽ thiết kế có chữ ký của chủ đầu tư", "Giấy tờ về quyền sử dụng đất"]
    assert _move(api_app, code, agency_code, action="request_supplement").status_code == 422
    asked = _move(api_app, code, agency_code, action="request_supplement", missing=missing, reason="Hồ sơ thiếu")
    assert asked.status_code == 201, asked.text
    assert asked.json()["life"]["clock_stopped"] is True and asked.json()["life"]["deadline"] is None
    assert asked.json()["life"]["overdue"] is False
    pdf = _notice(api_app, asked.json()["notice_document_id"])
    text = first_page_text(pdf)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and code in text and "Bản vẽ thiết kế" in text
    assert validate_pdf(pdf, trust).verdict is Verdict.TOTAL_PASSED
    payloads = [hit.text for hit in find_qr_codes(render_pages(pdf, 150)[0])]
    assert [decode_receipt(p).dossier_code for p in payloads] == [code]
    assert decode_receipt(payloads[0]).paper_name == "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"
    assert OWNER_ID not in payloads[0]  # masked on paper
    assert _move(api_app, code, agency_code, action="assign", department=DEPARTMENT).status_code == 409

    before = dt.datetime.now(dt.UTC)
    back = _move(api_app, code, agency_code, action="receive_supplement")
    assert back.status_code == 201, back.text
    restarted = dt.datetime.fromisoformat(back.json()["life"]["deadline"])
    assert restarted >= calendar.add_working_minutes(before, 3 * calendar.minutes_per_day)  # counted from the start
    assert back.json()["life"]["overdue"] is False and back.json()["life"]["state"] == "processing"

    too_early = restarted - dt.timedelta(hours=1)
    assert (
        _move(api_app, code, agency_code, action="apologise", reason="x", new_date=too_early.isoformat()).status_code
        == 422
    )
    new_date = (restarted + dt.timedelta(days=2)).isoformat()
    sorry = _move(
        api_app, code, agency_code, action="apologise", reason="Chờ ý kiến của Sở Xây dựng", new_date=new_date
    )
    assert sorry.status_code == 201, sorry.text
    assert dt.datetime.fromisoformat(sorry.json()["life"]["deadline"]) == dt.datetime.fromisoformat(new_date)
    apology = first_page_text(_notice(api_app, sorry.json()["notice_document_id"]))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology and "Chờ ý kiến của Sở Xây dựng" in apology

    assert _move(api_app, code, agency_code, action="result_ready").status_code == 201
    assert _move(api_app, code, agency_code, action="return").status_code == 201
    assert _move(api_app, code, agency_code, action="refuse", reason="muộn").status_code == 409
    life = _life(api_app, code, agency_code)
    assert life["life"]["state"] == "returned" and life["life"]["moves"] == [] and life["life"]["overdue"] is False
    actions = [e["action"] for e in life["events"]]
    assert actions == [
        "receive",
        "assign",
        "request_supplement",
        "receive_supplement",
        "apologise",
        "result_ready",
        "return",
    ]
    assert all(e["actor_subject"] for e in life["events"]) and life["events"][1]["department"] == DEPARTMENT
    assert life["events"][2]["note"].startswith("Cần bổ sung: Bản vẽ")

    with api_app.services.sessions() as session:
        deliveries = (
            session.query(webhooks.Delivery).filter_by(webhook_id=hook.id).order_by(webhooks.Delivery.created_at)
        )
        sent = [(d.event, d.payload) for d in deliveries.order_by(webhooks.Delivery.created_at)]
    assert [event for event, _ in sent] == [
        "dossier.assigned",
        "dossier.supplement_requested",
        "dossier.supplement_received",
        "dossier.apologised",
        "dossier.result_ready",
        "dossier.returned",
    ]
    assert all(p["dossier_code"] == code and OWNER_ID not in str(p) for _, p in sent)

    public = api_app.client.get(f"/api/v1/public/dossiers/{code}/status").json()
    assert public == {
        "code": code,
        "state": "returned",
        "state_vi": "Đã trả kết quả",
        "completed": False,
        "appointment_at": None,  # returned: no date left to wait for
        "appointment_moved": None,
        "receipt_appointment_at": None,
        "overdue": False,
    }


def test_refusal_and_withdrawal(api_app: Api, agency_code: str) -> None:
    refused = api_app.dossier(agency_code).code
    withdrawn = api_app.dossier(agency_code).code
    assert _move(api_app, refused, agency_code, action="refuse").status_code == 422  # the reason is required
    answer = _move(api_app, refused, agency_code, action="refuse", reason="Không thuộc thẩm quyền giải quyết")
    assert answer.status_code == 201, answer.text
    text = first_page_text(_notice(api_app, answer.json()["notice_document_id"]))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text and "Không thuộc thẩm quyền" in text

    citizen = api_app.headers(Role.CITIZEN, owner_id=OWNER_ID)
    stranger = api_app.headers(Role.CITIZEN, owner_id="001090999999")
    url = "/api/v1/me/dossiers/{}/withdraw"
    assert api_app.client.post(url.format(withdrawn), headers=stranger, json={}).status_code == 404
    assert api_app.client.post(url.format(refused), headers=citizen, json={}).status_code == 409
    handlers_route = f"/api/v1/dossiers/{withdrawn}/transitions"
    assert api_app.client.post(handlers_route, headers=citizen, json={"action": "withdraw"}).status_code == 403
    gone = api_app.client.post(url.format(withdrawn), headers=citizen, json={"reason": "Nộp nhầm thủ tục"})
    assert gone.status_code == 200, gone.text
    assert gone.json()["state"] == "withdrawn" and gone.json()["state_vi"] == "Đã rút hồ sơ"

    mine = api_app.client.get("/api/v1/me/dossiers", headers=citizen).json()
    states = {d["code"]: d["state"] for d in mine}
    assert states[refused] == "refused" and states[withdrawn] == "withdrawn"
    assert api_app.client.get(f"/api/v1/public/dossiers/{refused}/status").json()["state_vi"] == "Từ chối giải quyết"
    handler = Actor("handler-1", Role.HANDLER, agency_code=agency_code)
    _dossier, events = api_app.services.vault.dossier_history(withdrawn, handler)
    assert events[-1].actor_role == "citizen" and events[-1].note == "Lý do: Nộp nhầm thủ tục"


def test_an_apology_dated_beyond_the_working_calendar_is_refused_and_nothing_is_stored(
    api_app: Api, agency_code: str
) -> None:
    code = api_app.dossier(agency_code).code
    beyond = max(default_calendar().years) + 3
    late = _move(
        api_app, code, agency_code, action="apologise", reason="Chờ ý kiến", new_date=f"{beyond}-12-30T14:00:00+07:00"
    )
    assert late.status_code == 422, late.text
    assert "working calendar" in late.text and late.json().get("field") in (None, "new_date")
    life = _life(api_app, code, agency_code)  # the dossier still reads: no date its calendar cannot count from
    assert [e["action"] for e in life["events"]] == ["receive"], life


def test_a_notice_is_stored_with_its_purpose_in_the_owners_access_log(api_app: Api, agency_code: str) -> None:
    code = api_app.dossier(agency_code).code
    asked = _move(api_app, code, agency_code, action="request_supplement", missing=["Bản sao sổ hộ khẩu"])
    assert asked.status_code == 201, asked.text
    notice = asked.json()["notice_document_id"]
    citizen = api_app.headers(Role.CITIZEN, owner_id=OWNER_ID)
    log = api_app.client.get("/api/v1/me/access-log", headers=citizen).json()
    stored = [e for e in log if e["document_id"] == notice and e["action"] == "store"]
    # The store took the purpose the handler read with (none from the web page's move: "—" in her access log).
    assert [e["purpose"] for e in stored] == ["yêu cầu bổ sung hồ sơ"], stored
