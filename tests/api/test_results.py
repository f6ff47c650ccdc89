"""Electronic results over the real app and the real test PKI: accepted and numbered KQ1, KQ2; unsigned refused
with the report or sealed by sohoa (TOTAL-PASSED, pdfsig valid); cancelled and corrected results; statistics.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.types import Actor, Role, Verdict
from issuing import webhooks
from issuing.results import ResultFields
from issuing.settings import issuing_settings
from signing.errors import TokenNotFoundError
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.api.conftest import OWNER_ID, Api, first_page_text, in_top_right_of_page_one, sample_pdf
from tests.signing.pdfsig import pdfsig_intact
from vault.errors import NotFound, ReuseRefused

META = {
    "type_code": "GPXD",
    "name": "Giấy phép xây dựng",
    "number_symbol": "12/GPXD",
    "issued_at": "2026-11-20",
    "permanent": True,
    "scope": "Toàn quốc",
}

pytestmark = pytest.mark.slow


def post_result(api: Api, code: str, agency: str, pdf: bytes, meta: dict[str, object] | None = None) -> object:
    return api.client.post(
        f"/api/v1/dossiers/{code}/results",
        headers=api.headers(Role.HANDLER, agency),
        files={"file": ("kq.pdf", pdf, "application/pdf")},
        data={"metadata": json.dumps(meta or META)},
    )


def test_signed_results_are_numbered_and_counted(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    dossier = api_app.dossier(agency_code)
    first = post_result(api_app, dossier.code, agency_code, agency_sign(sample_pdf("Giấy phép xây dựng")))
    assert first.status_code == 201, first.text  # type: ignore[attr-defined]
    body = first.json()  # type: ignore[attr-defined]
    assert body["document"]["result_code"] == f"{dossier.code}-KQ1"
    assert body["document"]["kind"] == "result" and body["document"]["permanent"] is True
    assert body["document"]["validity_scope"] == "Toàn quốc"
    assert body["sealed_by_sohoa"] is False and body["report"]["verdict"] == "TOTAL-PASSED"
    second = post_result(
        api_app, dossier.code, agency_code, agency_sign(sample_pdf("Quyết định")), {**META, "name": "Quyết định"}
    )
    assert second.json()["document"]["result_code"] == f"{dossier.code}-KQ2"  # type: ignore[attr-defined]

    # linked to the dossier, in the owner's vault; the dossier now has an electronic result
    listed = api_app.client.get(f"/api/v1/dossiers/{dossier.code}", headers=api_app.headers(Role.HANDLER, agency_code))
    codes = {d["document"]["result_code"] for d in listed.json()["documents"]}
    assert codes == {f"{dossier.code}-KQ1", f"{dossier.code}-KQ2"}
    other = api_app.dossier(agency_code)
    stats = api_app.services.vault.digitisation_stats(api_app_actor(agency_code), agency_code, None, None)
    assert (stats.electronic_results.numerator, stats.electronic_results.denominator) == (1, 2), other.code


def test_unsigned_result_is_refused_with_the_report(api_app: Api, agency_code: str) -> None:
    dossier = api_app.dossier(agency_code)
    response = post_result(api_app, dossier.code, agency_code, sample_pdf("Giấy phép chưa ký"))
    assert response.status_code == 422  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert "no signature" in body["detail"]
    assert body["report"]["verdict"] == "INDETERMINATE" and body["report"]["signatures"] == []
    handler = api_app_actor(agency_code)
    assert api_app.services.vault.dossier_documents(dossier.code, handler) == []  # nothing half-written
    bad = post_result(api_app, dossier.code, agency_code, b"%PDF-1.7 nothing", {**META, "permanent": False})
    assert bad.status_code == 422 and "valid_until" in bad.json()["detail"]  # type: ignore[attr-defined]


def test_tampered_result_is_refused(api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]) -> None:
    dossier = api_app.dossier(agency_code)
    signed = bytearray(agency_sign(sample_pdf("Giấy phép bị sửa")))
    where = signed.index(b"/MediaBox")
    signed[where + 1 : where + 2] = b"m"  # one byte of the signed revision changed
    response = post_result(api_app, dossier.code, agency_code, bytes(signed))
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["report"]["verdict"] == "TOTAL-FAILED"  # type: ignore[attr-defined]


def test_unsigned_result_is_sealed_when_allowed(
    api_app: Api, agency_code: str, trust: TrustSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOHOA_ISSUING_SEAL_UNSIGNED_RESULTS", "true")
    issuing_settings.cache_clear()
    dossier = api_app.dossier(agency_code)
    response = post_result(api_app, dossier.code, agency_code, sample_pdf("Giấy phép đóng dấu"))
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["sealed_by_sohoa"] is True and body["document"]["signature_verdict"] == "TOTAL-PASSED"
    content = api_app.client.get(
        f"/api/v1/documents/{body['document']['id']}/content", headers=api_app.headers(Role.HANDLER, agency_code)
    ).content
    report = validate_pdf(content, trust)
    assert report.verdict is Verdict.TOTAL_PASSED
    assert report.signatures[0].pades_level is not None and report.signatures[0].pades_level.value == "B-LTA"
    assert "Quảng Trị" in report.signatures[0].signer_subject
    stored = tmp_path / "sealed.pdf"
    stored.write_bytes(content)
    assert pdfsig_intact(stored) == [True]
    checked = api_app.client.get(
        f"/api/v1/documents/{body['document']['id']}/validation", headers=api_app.headers(Role.HANDLER, agency_code)
    ).json()
    assert checked["verdict"] == "TOTAL-PASSED" and checked["signatures"][0]["pades_level"] == "B-LTA"
    summary = checked["summary"]  # Vietnamese, beside the ETSI codes
    assert summary["badge"] == "valid" and summary["label"] == "Hợp lệ" and summary["next_step"]
    assert summary["signatures"][0]["level"] == "PAdES B-LTA (lưu trữ dài hạn)"
    stamp = report.signatures[0].stamp_text  # the agency stamp's words: in the field, not in the page's text
    assert stamp is not None and "Thời gian ký" in stamp and "Thời gian ký" not in first_page_text(content)
    assert in_top_right_of_page_one(content)


def test_cancelled_result_is_readable_and_not_reusable(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    dossier = api_app.dossier(agency_code)
    handler = api_app.headers(Role.HANDLER, agency_code)
    created = post_result(api_app, dossier.code, agency_code, agency_sign(sample_pdf("Giấy phép sẽ hủy")))
    doc_id = created.json()["document"]["id"]  # type: ignore[attr-defined]
    cancelled = api_app.client.post(
        f"/api/v1/documents/{doc_id}/cancel", headers=handler, json={"reason": "Cấp sai đối tượng"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api_app.client.post(f"/api/v1/documents/{doc_id}/cancel", headers=handler, json={"reason": "lần hai"})
    assert again.status_code == 409
    record = api_app.client.get(f"/api/v1/documents/{doc_id}", headers=handler).json()
    assert record["status"] == "cancelled" and record["status_reason"] == "Cấp sai đối tượng"
    content = api_app.client.get(f"/api/v1/documents/{doc_id}/content", headers=handler)
    assert content.status_code == 200 and content.content.startswith(b"%PDF")
    later = api_app.dossier(agency_code)
    citizen = api_app.headers(Role.CITIZEN, owner_id=OWNER_ID)
    reuse = api_app.client.post(
        f"/api/v1/me/dossiers/{later.code}/attachments", headers=citizen, json={"document_id": doc_id}
    )
    assert reuse.status_code == 409, reuse.text
    with pytest.raises(ReuseRefused):
        api_app.services.vault.attach(later.code, doc_id, "Giấy phép", api_app_actor(agency_code))
    # another agency's handler cannot cancel it (it cannot even see it)
    stranger = api_app.client.post(
        f"/api/v1/documents/{doc_id}/cancel",
        headers=api_app.headers(Role.HANDLER, "000.00.99.H30"),
        json={"reason": "không có quyền"},
    )
    assert stranger.status_code == 404


def test_corrected_result_is_a_new_version(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    dossier = api_app.dossier(agency_code)
    handler = api_app.headers(Role.HANDLER, agency_code)
    created = post_result(api_app, dossier.code, agency_code, agency_sign(sample_pdf("Giấy phép có lỗi")))
    original = created.json()["document"]  # type: ignore[attr-defined]
    corrected_pdf = agency_sign(sample_pdf("Giấy phép đã đính chính"))
    response = api_app.client.post(
        f"/api/v1/documents/{original['id']}/correction",
        headers=handler,
        files={"file": ("kq.pdf", corrected_pdf, "application/pdf")},
    )
    assert response.status_code == 200, response.text
    document = response.json()["document"]
    assert document["id"] == original["id"] and document["result_code"] == original["result_code"]
    assert document["current_version"] == 2 and document["sha256"] != original["sha256"]
    versions = api_app.services.vault.document_versions(original["id"], api_app_actor(agency_code))
    assert [v.number for v in versions] == [1, 2] and versions[0].superseded_at is not None
    unsigned = api_app.client.post(
        f"/api/v1/documents/{original['id']}/correction",
        headers=handler,
        files={"file": ("kq.pdf", sample_pdf("Không ký"), "application/pdf")},
    )
    assert unsigned.status_code == 422 and unsigned.json()["report"]["verdict"] == "INDETERMINATE"


def api_app_actor(agency_code: str) -> Actor:
    return Actor(subject="handler-1", role=Role.HANDLER, agency_code=agency_code, purpose="giải quyết hồ sơ")


def test_stored_result_is_announced_to_the_agency_webhooks(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    with api_app.services.sessions.begin() as session:
        hook = webhooks.register(session, agency_code, "https://one-stop.example.vn/hooks", ["result.stored"], "t")
    dossier = api_app.dossier(agency_code)
    signed = agency_sign(sample_pdf("Giấy phép báo tin"))
    for _ in range(2):  # the same upload twice under one idempotency key: one result, announced once
        created = api_app.client.post(
            f"/api/v1/dossiers/{dossier.code}/results",
            headers={**api_app.headers(Role.HANDLER, agency_code), "Idempotency-Key": f"kq-{dossier.code}"},
            files={"file": ("kq.pdf", signed, "application/pdf")},
            data={"metadata": json.dumps(META)},
        )
        assert created.status_code == 201, created.text
    with api_app.services.sessions() as session:
        deliveries = session.query(webhooks.Delivery).filter_by(webhook_id=hook.id).all()
    assert [d.event for d in deliveries] == ["result.stored"]
    assert deliveries[0].payload["result_code"] == f"{dossier.code}-KQ1"
    assert deliveries[0].payload["dossier_code"] == dossier.code and "owner_id" not in deliveries[0].payload


def test_a_signer_other_than_the_named_agency_is_refused(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_SIGNER_SUBJECTS", json.dumps({agency_code: ["Sở Tư pháp"]}))
    issuing_settings.cache_clear()
    dossier = api_app.dossier(agency_code)
    response = post_result(api_app, dossier.code, agency_code, agency_sign(sample_pdf("Ký bởi cơ quan khác")))
    assert response.status_code == 422  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert "no signature by the agency" in body["detail"] and body["report"]["verdict"] == "TOTAL-PASSED"
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_SIGNER_SUBJECTS", json.dumps({agency_code: ["Quảng Trị"]}))
    issuing_settings.cache_clear()
    accepted = post_result(api_app, dossier.code, agency_code, agency_sign(sample_pdf("Ký bởi đúng cơ quan")))
    assert accepted.status_code == 201  # type: ignore[attr-defined]


def test_result_fields_validity_and_issue_day() -> None:
    signed_late = ResultFields(type_code="GP", name="x", issued_at="2026-11-20T20:00:00+00:00", permanent=True)
    assert signed_late.issued_at == dt.date(2026, 11, 21)  # 03:00 on the 21st in Vietnam
    with pytest.raises(ValidationError, match="either"):
        ResultFields(type_code="GP", name="x", issued_at="2026-11-20")
    with pytest.raises(ValidationError, match="before issued_at"):
        ResultFields(type_code="GP", name="x", issued_at="2026-11-20", valid_until="2026-01-01")


def test_a_result_of_several_pages_keeps_its_page_count(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    """The viewer shows as many pages as the stored record says: a 3-page result (and its correction) says 3."""
    from tests.support.pdfs import born_digital

    dossier = api_app.dossier(agency_code)
    stored = post_result(api_app, dossier.code, agency_code, agency_sign(born_digital(pages=3)))
    assert stored.status_code == 201, stored.text  # type: ignore[attr-defined]
    document = stored.json()["document"]  # type: ignore[attr-defined]
    assert document["page_count"] == 3
    corrected = api_app.client.post(
        f"/api/v1/documents/{document['id']}/correction",
        headers=api_app.headers(Role.HANDLER, agency_code),
        files={"file": ("kq.pdf", agency_sign(born_digital(pages=2)), "application/pdf")},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["document"]["page_count"] == 2


def test_the_first_stored_result_moves_the_dossier_and_is_announced_once(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    """A stored electronic result means the dossier has its result: the first one moves it to "Đã có kết quả"
    (result_ready, an event naming the result), the next step offered is returning it; a replay or a second
    result (KQ2) moves nothing again, and the one-stop system hears `dossier.result_ready` once."""
    with api_app.services.sessions.begin() as session:
        events = ["result.stored", "dossier.result_ready"]
        hook = webhooks.register(session, agency_code, "https://one-stop.example.vn/hooks", events, "t")
    dossier = api_app.dossier(agency_code)
    handler = api_app.headers(Role.HANDLER, agency_code)
    before = api_app.client.get(f"/api/v1/dossiers/{dossier.code}", headers=handler).json()["life"]
    assert before["state"] == "received" and "result_ready" in before["moves"]
    signed = agency_sign(sample_pdf("Giấy phép chuyển bước"))
    for _ in range(2):  # the same upload under one idempotency key, then a further result
        replayed = api_app.client.post(
            f"/api/v1/dossiers/{dossier.code}/results",
            headers={**handler, "Idempotency-Key": f"move-{dossier.code}"},
            files={"file": ("kq.pdf", signed, "application/pdf")},
            data={"metadata": json.dumps(META)},
        )
        assert replayed.status_code == 201, replayed.text
    second = post_result(api_app, dossier.code, agency_code, agency_sign(sample_pdf("Quyết định kèm theo")))
    assert second.json()["document"]["result_code"] == f"{dossier.code}-KQ2"  # type: ignore[attr-defined]
    read = api_app.client.get(f"/api/v1/dossiers/{dossier.code}", headers=handler).json()
    assert read["life"]["state"] == "result_ready" and read["life"]["state_vi"] == "Đã có kết quả"
    assert read["life"]["moves"] == ["return"]  # not "Có kết quả giải quyết" again
    moved = [e for e in read["events"] if e["action"] == "result_ready"]
    assert len(moved) == 1 and moved[0]["from_state"] == "received" and moved[0]["actor_subject"]
    assert moved[0]["note"] == f"Đã lưu kết quả điện tử {dossier.code}-KQ1"
    with api_app.services.sessions() as session:
        deliveries = session.query(webhooks.Delivery).filter_by(webhook_id=hook.id).all()
    sent = sorted(d.event for d in deliveries)
    assert sent == ["dossier.result_ready", "result.stored", "result.stored"]
    ready = next(d.payload for d in deliveries if d.event == "dossier.result_ready")
    assert (ready["dossier_code"], ready["state"], ready["from_state"]) == (dossier.code, "result_ready", "received")
    returned = api_app.client.post(
        f"/api/v1/dossiers/{dossier.code}/transitions", headers=handler, json={"action": "return"}
    )
    assert returned.status_code == 201, returned.text


def test_a_correction_and_a_cancellation_make_the_results_history(
    api_app: Api, agency_code: str, agency_sign: Callable[[bytes], bytes]
) -> None:
    """Who issued, corrected (with the reason given) and cancelled a result, in order: what the dossier page shows."""
    dossier = api_app.dossier(agency_code)
    handler = api_app.headers(Role.HANDLER, agency_code)
    created = post_result(api_app, dossier.code, agency_code, agency_sign(sample_pdf("Giấy phép có lịch sử")))
    doc_id = created.json()["document"]["id"]  # type: ignore[attr-defined]
    corrected = api_app.client.post(
        f"/api/v1/documents/{doc_id}/correction",
        headers=handler,
        files={"file": ("kq.pdf", agency_sign(sample_pdf("Giấy phép đã sửa")), "application/pdf")},
        data={"reason": "Sai   số thửa đất"},
    )
    assert corrected.status_code == 200, corrected.text
    cancelled = api_app.client.post(f"/api/v1/documents/{doc_id}/cancel", headers=handler, json={"reason": "Cấp sai"})
    assert cancelled.status_code == 200, cancelled.text
    history = api_app.services.vault.results_history(dossier.code, api_app_actor(agency_code))
    steps = [(s.action, s.version, s.reason, s.subject) for s in history[doc_id]]
    assert steps == [
        ("store", 1, None, "handler-1"),
        ("new_version", 2, "Sai số thửa đất", "handler-1"),
        ("status:cancelled", None, "Cấp sai", "handler-1"),
    ]
    assert all(s.at.tzinfo is not None for s in history[doc_id])
    stranger = Actor("handler-9", Role.HANDLER, agency_code="000.00.99.H30", purpose="giải quyết hồ sơ")
    with pytest.raises(NotFound):
        api_app.services.vault.results_history(dossier.code, stranger)


def test_a_seal_that_cannot_be_applied_now_is_a_503_and_stores_nothing(
    api_app: Api, agency_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HSM or the TSA is down: 503 with Retry-After, nothing stored, the dossier not moved."""
    monkeypatch.setenv("SOHOA_ISSUING_SEAL_UNSIGNED_RESULTS", "true")
    issuing_settings.cache_clear()

    def hsm_down() -> DocumentSigner:
        raise TokenNotFoundError("the PKCS#11 module cannot be loaded")

    monkeypatch.setattr(
        api_app.services, "issuer", dataclasses.replace(api_app.services.issuer, agency_signer=hsm_down)
    )
    dossier = api_app.dossier(agency_code)
    response = post_result(api_app, dossier.code, agency_code, sample_pdf("Giấy phép chờ đóng dấu"))
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    assert response.headers["retry-after"] == "60"  # type: ignore[attr-defined]
    handler = api_app_actor(agency_code)
    assert api_app.services.vault.dossier_documents(dossier.code, handler) == []
    assert api_app.services.vault.get_dossier(dossier.code, handler).status == "received"
