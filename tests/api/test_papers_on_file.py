"""Before scanning (issue #18): the counter asks which of a procedure's papers the citizen's vault already holds
with legal value; an expired, revoked or citizen-uploaded paper does not count, and every paper named is logged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Actor, DocumentKind, DocumentStatus, Role
from issuing.settings import issuing_settings
from tests.api.world import PROCEDURE, private_app, tiny_pdf
from vault.records import NewDocument

OWNER = "079195000123"
AGENCY = "000.00.31.H30"


def _headers(role: Role, **claims: str) -> dict[str, str]:
    token = mint_development_token(ApiSettings(), core_settings(), role=role, subject=f"{role}-1", **claims)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}", "X-Purpose": quote("tiếp nhận hồ sơ")}


def test_the_counter_learns_which_papers_need_no_new_scan(tmp_path: Path) -> None:
    app = private_app(tmp_path)
    vault = app.state.services.vault
    station = Actor("st", Role.STATION, agency_code=AGENCY)
    code = vault.create_dossier(AGENCY, PROCEDURE, OWNER).code

    def store(type_code: str, kind: DocumentKind = DocumentKind.COMPONENT, **kw: object) -> str:
        new = NewDocument(owner_id=OWNER, name=f"Giấy {type_code}", kind=kind, type_code=type_code, **kw)  # type: ignore[arg-type]
        actor = Actor(OWNER, Role.CITIZEN, owner_id=OWNER) if kind is DocumentKind.CITIZEN_UPLOAD else station
        return vault.store_document(
            new.model_copy(update={"source_dossier_code": code} if actor is station else {}), tiny_pdf(type_code), actor
        ).id

    birth = store("GKS")
    store("CCCD", valid_until=dt.date(2020, 1, 1))  # expired
    revoked = store("SHK")
    vault.set_status(revoked, DocumentStatus.REVOKED, "thu hồi", Actor("root", Role.ADMIN))
    store("DKKH", DocumentKind.CITIZEN_UPLOAD)  # the citizen's own upload: no legal value
    body = {"owner_id": OWNER, "procedure_code": PROCEDURE, "type_codes": ["GKS", "CCCD", "SHK", "DKKH", "GKS"]}
    with TestClient(app) as client:
        answer = client.post(
            "/api/v1/counter/papers-on-file", json=body, headers=_headers(Role.STATION, agency_code=AGENCY)
        )
        assert answer.status_code == 200, answer.text
        papers = answer.json()["papers"]
        assert [(p["type_code"], p["on_file"]) for p in papers] == [
            ("GKS", True),
            ("CCCD", False),
            ("SHK", False),
            ("DKKH", False),
        ]
        assert papers[0]["document_id"] == birth and papers[0]["hint"] == "đã có trong kho, không cần scan lại"
        assert papers[1]["hint"] == "có trong kho nhưng đã hết hạn, cần giấy mới"  # why, not "not in the vault"
        assert (papers[1]["unusable"], papers[1]["valid_until"]) == ("expired", "2020-01-01")
        assert papers[2]["hint"] == "có trong kho nhưng đã bị thu hồi, cần giấy mới"
        assert papers[3]["hint"] == "chưa có trong kho, cần scan" and papers[3]["unusable"] is None  # no legal value
        citizen = _headers(Role.CITIZEN, owner_id=OWNER)
        log = client.get("/api/v1/me/access-log", headers=citizen).json()
        assert any(e["document_id"] == birth and e["action"] == "check" and e["subject"] == "station-1" for e in log)
        assert client.post("/api/v1/counter/papers-on-file", json=body, headers=citizen).status_code == 403
        bad = client.post(
            "/api/v1/counter/papers-on-file",
            json=body | {"owner_id": "123"},
            headers=_headers(Role.STATION, agency_code=AGENCY),
        )
        assert bad.status_code == 422 and OWNER not in bad.text
        empty = client.post(
            "/api/v1/counter/papers-on-file",
            json=body | {"type_codes": [], "procedure_code": None},  # no types and no procedure to take them from
            headers=_headers(Role.STATION, agency_code=AGENCY),
        )
        assert empty.status_code == 422


def test_the_procedure_lists_its_papers_and_the_counter_checks_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No type codes sent: the answer covers the procedure's own papers, in its order, with their names and whether
    they are required; `GET /api/v1/procedures/{code}/papers` lists them; an operator's file adds procedures."""
    extra = tmp_path / "papers.toml"
    extra.write_text(
        '[[procedure]]\ncode = "1.000999.000.00.00.H30"\n'
        'paper = [{ type_code = "GPLX", name = "Giấy phép lái xe", required = true },'
        ' { type_code = "GKS", name = "Bản sao giấy khai sinh", required = false }]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SOHOA_PAPERWORK_PROCEDURE_PAPERS_FILE", str(extra))
    issuing_settings.cache_clear()
    app = private_app(tmp_path)
    vault = app.state.services.vault
    station = Actor("st", Role.STATION, agency_code=AGENCY)
    code = vault.create_dossier(AGENCY, PROCEDURE, OWNER).code
    new = NewDocument(owner_id=OWNER, name="Giấy khai sinh (bản chính)", type_code="GKS", source_dossier_code=code)
    birth = vault.store_document(new, tiny_pdf("GKS"), station).id
    headers = _headers(Role.STATION, agency_code=AGENCY)
    with TestClient(app) as client:
        listed = client.get(f"/api/v1/procedures/{PROCEDURE}/papers", headers=headers)
        assert listed.status_code == 200, listed.text
        shipped = [(p["type_code"], p["required"]) for p in listed.json()["papers"]]
        assert shipped == [("TK", True), ("GKS", True), ("CCCD", True), ("GXNHN", False)]
        assert listed.json()["procedure_name"]  # from the procedure table
        answer = client.post(
            "/api/v1/counter/papers-on-file", json={"owner_id": OWNER, "procedure_code": PROCEDURE}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["procedure_papers"] is True
        papers = answer.json()["papers"]
        assert [(p["type_code"], p["on_file"], p["required"]) for p in papers] == [
            ("TK", False, True),
            ("GKS", True, True),
            ("CCCD", False, True),
            ("GXNHN", False, False),
        ]
        assert papers[1]["document_id"] == birth and papers[1]["paper_name"] == "Giấy khai sinh"
        assert papers[1]["hint"] == "đã có trong kho, không cần scan lại"
        # The operator's procedure: its own list, with the same paper under its own name and rule.
        other = client.post(
            "/api/v1/counter/papers-on-file",
            json={"owner_id": OWNER, "procedure_code": "1.000999.000.00.00.H30"},
            headers=headers,
        ).json()["papers"]
        assert [(p["type_code"], p["on_file"], p["required"], p["paper_name"]) for p in other] == [
            ("GPLX", False, True, "Giấy phép lái xe"),
            ("GKS", True, False, "Bản sao giấy khai sinh"),
        ]
        unlisted = client.post(
            "/api/v1/counter/papers-on-file",
            json={"owner_id": OWNER, "procedure_code": "1.000555.000.00.00.H30"},
            headers=headers,
        )
        assert unlisted.status_code == 422 and "no list of papers" in unlisted.text
        assert client.get("/api/v1/procedures/1.000555.000.00.00.H30/papers", headers=headers).status_code == 404
        assert client.get("/api/v1/procedures/not-a-code/papers", headers=headers).status_code == 422
        assert client.get(f"/api/v1/procedures/{PROCEDURE}/papers").status_code == 401
        extra.write_text("[[procedure]]\ncode = 'x'\n", encoding="utf-8")  # the operator breaks the file
        broken = client.get(f"/api/v1/procedures/{PROCEDURE}/papers", headers=headers)
        assert broken.status_code == 503 and "misconfigured" in broken.text
    issuing_settings.cache_clear()
