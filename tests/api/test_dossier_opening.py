"""Dossiers opened without scanning: online by the citizen from their vault, at the counter with the one-time consent
code the citizen reads from their own account. The receiving agency reads the reused papers through the dossier;
each reuse is logged and counted; a refused opening stores nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Actor, DocumentKind, Role
from tests.api.world import PROCEDURE, private_app, tiny_pdf
from vault.records import NewDocument

OWNER = "079195000456"
HOME = "000.00.51.H30"  # where the papers were first digitised
ONLINE = "000.00.52.H30"
COUNTER = "000.00.53.H30"


def _headers(role: Role, **claims: str) -> dict[str, str]:
    token = mint_development_token(ApiSettings(), core_settings(), role=role, subject=f"{role}-1", **claims)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}", "X-Purpose": quote("giải quyết hồ sơ")}


def _papers(vault: object) -> tuple[str, str, str]:
    station = Actor("station-home", Role.STATION, agency_code=HOME)
    home = vault.open_dossier(HOME, PROCEDURE, OWNER, station, owner_name="Lê Văn Cường").code  # type: ignore[attr-defined]

    def store(name: str, type_code: str, valid_until: dt.date | None = None) -> str:
        paper = NewDocument(
            owner_id=OWNER,
            name=name,
            kind=DocumentKind.COMPONENT,
            type_code=type_code,
            source_dossier_code=home,
            valid_until=valid_until,
        )
        return str(vault.store_document(paper, tiny_pdf(name), station).id)  # type: ignore[attr-defined]

    return (
        store("Giấy khai sinh", "GKS"),
        store("Căn cước công dân", "CCCD"),
        store("Giấy cũ", "GC", dt.date(2020, 1, 1)),
    )


def test_online_and_counter_openings(tmp_path: Path) -> None:
    app = private_app(tmp_path)
    vault = app.state.services.vault
    birth, card, expired = _papers(vault)
    citizen = _headers(Role.CITIZEN, owner_id=OWNER)
    online_handler = _headers(Role.HANDLER, agency_code=ONLINE)
    with TestClient(app) as client:
        assert client.get(f"/api/v1/documents/{birth}", headers=online_handler).status_code == 404
        body = {"agency_code": ONLINE, "procedure_code": PROCEDURE, "documents": [{"document_id": birth}]}
        unknown = client.post(
            "/api/v1/me/dossiers", headers=citizen, json={**body, "procedure_code": "1.999999.000.00.00.H30"}
        )
        assert unknown.status_code == 422 and "procedure table" in unknown.json()["detail"]
        refused = client.post(
            "/api/v1/me/dossiers",
            headers=citizen,
            json={**body, "documents": [{"document_id": birth}, {"document_id": expired}]},
        )
        assert refused.status_code == 409  # the expired paper: nothing is opened
        assert client.get("/api/v1/me/dossiers", headers=citizen).json()[0]["agency_code"] == HOME

        opened = client.post("/api/v1/me/dossiers", headers=citizen, json=body)
        assert opened.status_code == 201, opened.text
        life = opened.json()["life"]
        code = life["code"]
        assert life["channel"] == "online" and life["state"] == "received" and life["deadline"]
        assert opened.json()["documents"][0]["reused"] is True

        seen = client.get(f"/api/v1/dossiers/{code}", headers=online_handler)
        assert seen.status_code == 200, seen.text
        assert [d["document"]["id"] for d in seen.json()["documents"]] == [birth]
        assert client.get(f"/api/v1/documents/{birth}", headers=online_handler).status_code == 200
        assert seen.json()["events"][0]["note"] == "Công dân nộp trực tuyến"

        mine = client.get("/api/v1/me/dossiers", headers=citizen).json()
        assert mine[0]["code"] == code and mine[0]["state_vi"] == "Đã tiếp nhận"

        station = _headers(Role.STATION, agency_code=COUNTER)
        counter_body = {"owner_id": OWNER, "procedure_code": PROCEDURE, "documents": [{"document_id": card}]}
        assert client.post("/api/v1/dossiers", headers=station, json=counter_body).status_code == 403  # no consent
        asked = client.post(
            "/api/v1/dossiers/consent-requests",
            headers=station,
            json={"owner_id": OWNER, "procedure_code": PROCEDURE, "document_ids": [card]},
        )
        assert asked.status_code == 201, asked.text
        assert asked.json()["code"] is None  # the counter never sees the code
        shown = client.get("/api/v1/me/consent-requests", headers=citizen).json()
        assert [r["id"] for r in shown] == [asked.json()["id"]] and shown[0]["agency_code"] == COUNTER
        secret = shown[0]["code"]
        wrong = "000000" if secret != "000000" else "111111"
        attempt = {**counter_body, "consent": {"request_id": shown[0]["id"], "code": wrong}}
        assert client.post("/api/v1/dossiers", headers=station, json=attempt).status_code == 403
        more = {**counter_body, "documents": [{"document_id": card}, {"document_id": birth}]}
        right = {"request_id": shown[0]["id"], "code": secret}
        assert client.post("/api/v1/dossiers", headers=station, json={**more, "consent": right}).status_code == 403
        done = client.post("/api/v1/dossiers", headers=station, json={**counter_body, "consent": right})
        assert done.status_code == 201, done.text
        assert done.json()["life"]["channel"] == "counter"
        again = client.post("/api/v1/dossiers", headers=station, json={**counter_body, "consent": right})
        assert again.status_code == 403  # used up
        assert client.get("/api/v1/me/consent-requests", headers=citizen).json() == []
        counter_code = done.json()["life"]["code"]
        events = client.get(f"/api/v1/dossiers/{counter_code}", headers=_headers(Role.HANDLER, agency_code=COUNTER))
        assert "mã một lần" in events.json()["events"][0]["note"]

        by_type = {"owner_id": OWNER, "procedure_code": PROCEDURE}
        none = client.post("/api/v1/dossiers/consent-requests", headers=station, json={**by_type, "type_codes": ["GC"]})
        assert none.status_code == 404  # only an expired paper of that type: nothing to reuse
        assert none.json()["detail"] == "the citizen's vault holds no usable paper of these types"
        typed = client.post(
            "/api/v1/dossiers/consent-requests", headers=station, json={**by_type, "type_codes": ["GKS", "GC", "ZZ"]}
        )
        assert typed.status_code == 201, typed.text
        assert typed.json()["document_ids"] == [birth] and typed.json()["document_names"] == ["Giấy khai sinh"]
        assert typed.json()["left_out"] == {"GC": "expired", "ZZ": "missing"}  # said, with why (walk of 2026-12-01)
        assert asked.json()["left_out"] == {}  # papers named by id: nothing typed to leave out
        secret = client.get("/api/v1/me/consent-requests", headers=citizen).json()[0]["code"]
        consent = {"request_id": typed.json()["id"], "code": secret}
        whole = client.post("/api/v1/dossiers", headers=station, json={**by_type, "consent": consent})
        assert whole.status_code == 201, whole.text
        assert [d["document"]["id"] for d in whole.json()["documents"]] == [birth]  # every paper consented to

        log = client.get("/api/v1/me/access-log", headers=citizen).json()
        reuses = [(entry["document_id"], entry["dossier_code"]) for entry in log if entry["action"] == "reuse"]
        whole_code = whole.json()["life"]["code"]
        assert sorted(reuses) == sorted([(birth, code), (card, counter_code), (birth, whole_code)])
        admin = Actor("root", Role.ADMIN)
        for agency, count in ((ONLINE, 1), (COUNTER, 2)):
            stats = vault.digitisation_stats(admin, agency, None, None)
            assert stats.reuse.numerator == count and stats.dossiers_received == count
