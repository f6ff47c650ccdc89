"""Reuse across dossiers: a citizen's result from dossier A attached to dossier B shows in B for B's handler,
counts in B's reuse rate, and the handler's read appears in the citizen's access log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Actor, DocumentKind, DocumentStatus, Role
from tests.api.world import PROCEDURE, private_app, tiny_pdf
from vault.records import NewDocument

OWNER = "079195000123"
AGENCY_A = "000.00.31.H30"
AGENCY_B = "000.00.32.H30"


def _headers(role: Role, purpose: str = "giải quyết hồ sơ", **claims: str) -> dict[str, str]:
    token = mint_development_token(ApiSettings(), core_settings(), role=role, subject=f"{role}-1", **claims)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}", "X-Purpose": quote(purpose)}


def test_a_result_reused_in_a_new_dossier(tmp_path: Path) -> None:
    app = private_app(tmp_path)
    vault = app.state.services.vault
    dossier_a = vault.open_dossier(AGENCY_A, PROCEDURE, OWNER, Actor("cb-a", Role.HANDLER, agency_code=AGENCY_A)).code
    dossier_b = vault.open_dossier(AGENCY_B, PROCEDURE, OWNER, Actor("cb-b", Role.HANDLER, agency_code=AGENCY_B)).code
    handler_a = Actor("cb-a", Role.HANDLER, agency_code=AGENCY_A)
    result = vault.store_document(
        NewDocument(
            owner_id=OWNER,
            name="Giấy chứng nhận",
            kind=DocumentKind.RESULT,
            type_code="GCN",
            issuing_agency_code=AGENCY_A,
            source_dossier_code=dossier_a,
            permanent=True,
        ),
        tiny_pdf("GCN"),
        handler_a,
    )
    expired = vault.store_document(
        NewDocument(
            owner_id=OWNER,
            name="Giấy hết hạn",
            kind=DocumentKind.COMPONENT,
            type_code="GHH",
            source_dossier_code=dossier_a,
            valid_until=dt.date(2020, 1, 1),
        ),
        tiny_pdf("GHH"),
        handler_a,
    )
    cancelled = vault.store_document(
        NewDocument(
            owner_id=OWNER,
            name="Kết quả đã hủy",
            kind=DocumentKind.RESULT,
            type_code="KQH",
            source_dossier_code=dossier_a,
        ),
        tiny_pdf("KQH"),
        handler_a,
    )
    vault.set_status(cancelled.id, DocumentStatus.CANCELLED, "cấp nhầm", handler_a)
    citizen = _headers(Role.CITIZEN, owner_id=OWNER)
    handler_b = _headers(Role.HANDLER, agency_code=AGENCY_B)
    with TestClient(app) as client:
        before = client.get(f"/api/v1/documents/{result.id}", headers=handler_b)
        assert before.status_code == 404  # not B's until the citizen attaches it
        attached = client.post(
            f"/api/v1/me/dossiers/{dossier_b}/attachments", headers=citizen, json={"document_id": result.id}
        )
        assert attached.status_code == 201, attached.text
        assert attached.json()["reused"] is True
        again = client.post(
            f"/api/v1/me/dossiers/{dossier_b}/attachments", headers=citizen, json={"document_id": result.id}
        )
        assert again.status_code == 409  # linked once, never copied
        for refused in (expired.id, cancelled.id):
            response = client.post(
                f"/api/v1/me/dossiers/{dossier_b}/attachments", headers=citizen, json={"document_id": refused}
            )
            assert response.status_code == 409 and "cannot be reused" in response.json()["detail"]
        dossier = client.get(f"/api/v1/dossiers/{dossier_b}", headers=handler_b).json()
        assert [(d["document"]["id"], d["reused"]) for d in dossier["documents"]] == [(result.id, True)]
        content = client.get(f"/api/v1/documents/{result.id}/content", headers=handler_b)
        assert content.status_code == 200 and content.content == tiny_pdf("GCN")
        stats = client.get("/api/v1/stats/digitisation", params={"agency": AGENCY_B}, headers=_headers(Role.ADMIN))
        body = stats.json()
        reuse = {k: body["reuse"][k] for k in ("numerator", "denominator", "rate", "score")}
        assert reuse == {"numerator": 1, "denominator": 1, "rate": 1.0, "score": body["max_score"]}
        csv = client.get(
            "/api/v1/stats/digitisation", params={"agency": AGENCY_A, "format": "csv"}, headers=_headers(Role.ADMIN)
        )
        assert csv.headers["content-type"].startswith("text/csv") and "Tỷ lệ trả kết quả điện tử" in csv.text
        log = client.get("/api/v1/me/access-log", headers=citizen).json()
        reads = [e for e in log if e["document_id"] == result.id and e["agency_code"] == AGENCY_B]
        assert {e["action"] for e in reads} >= {"view", "read"}
        assert all(e["purpose"] == "giải quyết hồ sơ" for e in reads)
        assert any(e["action"] == "reuse" for e in log)


def test_content_ranges_and_digest(tmp_path: Path) -> None:
    app = private_app(tmp_path)
    vault = app.state.services.vault
    dossier = vault.open_dossier(AGENCY_A, PROCEDURE, OWNER, Actor("cb-a", Role.HANDLER, agency_code=AGENCY_A)).code
    data = tiny_pdf("range")
    record = vault.store_document(
        NewDocument(owner_id=OWNER, name="Tờ khai", source_dossier_code=dossier),
        data,
        Actor("qt", Role.STATION, agency_code=AGENCY_A),
    )
    citizen = _headers(Role.CITIZEN, owner_id=OWNER)
    with TestClient(app) as client:
        full = client.get(f"/api/v1/documents/{record.id}/content", headers=citizen)
        import base64
        import hashlib

        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert full.headers["repr-digest"] == f"sha-256=:{digest}:"
        part = client.get(f"/api/v1/documents/{record.id}/content", headers={**citizen, "Range": "bytes=5-14"})
        assert part.status_code == 206 and part.content == data[5:15]
        assert part.headers["content-range"] == f"bytes 5-14/{len(data)}"
        tail = client.get(f"/api/v1/documents/{record.id}/content", headers={**citizen, "Range": "bytes=-7"})
        assert tail.content == data[-7:]
        bad = client.get(f"/api/v1/documents/{record.id}/content", headers={**citizen, "Range": f"bytes={len(data)}-"})
        assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(data)}"
        uri = client.get(f"/api/v1/documents/{record.id}", headers=citizen).json()["uri"]
        assert client.get(uri, headers=citizen).json()["id"] == record.id
