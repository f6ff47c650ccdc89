"""The stated purpose of a read (X-Purpose or ?purpose=), over the real app and catalogue: percent-encoded or raw
UTF-8 Vietnamese matches the owner's grant; control characters and bytes that are not UTF-8 are refused with a
400 naming where they came from, and never reach the access log. Plus the portal's listing: one authorised query
however many papers it lists.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from api.services import Services
from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Actor, DocumentKind, Role
from tests.api.world import AGENCY_X, OWNER_B, PROCEDURE, PURPOSE, World, build_world, private_app, tiny_pdf
from vault.models import AccessLog
from vault.records import NewDocument


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, World, Services]]:
    app = private_app(tmp_path_factory.mktemp("purpose"))
    services: Services = app.state.services
    world = build_world(services)
    with TestClient(app) as client:
        yield client, world, services


def _token(role: Role) -> str:
    claims: dict[str, Any] = {"agency_code": AGENCY_X} if role is Role.HANDLER else {}
    return mint_development_token(ApiSettings(), core_settings(), role=role, subject=f"{role}-p", **claims)


def _auth(role: Role = Role.HANDLER) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(role)}"}


def _purposes(services: Services) -> list[str | None]:
    with services.sessions() as session:
        return list(session.scalars(select(AccessLog.purpose)))


def test_a_vietnamese_purpose_in_raw_utf8_matches_the_grant(setup: tuple[TestClient, World, Services]) -> None:
    client, world, services = setup
    path = f"/api/v1/documents/{world.documents['bg']}"
    encoded = client.get(path, headers={**_auth(), "X-Purpose": quote(PURPOSE)})
    assert encoded.status_code == 200
    raw = client.get(path, headers={**_auth(), "X-Purpose": PURPOSE.encode("utf-8")})  # type: ignore[dict-item]
    assert raw.status_code == 200, raw.text  # not a silent mismatch (404) with the grant
    decomposed = quote(unicodedata.normalize("NFD", PURPOSE))  # the same words, another Unicode form
    assert client.get(path, headers={**_auth(), "X-Purpose": decomposed}).status_code == 200
    assert client.get(path, params={"purpose": PURPOSE}, headers=_auth()).status_code == 200
    assert _purposes(services).count(PURPOSE) >= 4


def test_the_portal_lists_granted_papers_for_a_raw_utf8_purpose(setup: tuple[TestClient, World, Services]) -> None:
    client, world, _ = setup
    headers = {**_auth(Role.PORTAL), "X-Purpose": PURPOSE.encode("utf-8")}
    listed = client.get(f"/api/v1/portal/owners/{OWNER_B}/documents", headers=headers)  # type: ignore[arg-type]
    assert listed.status_code == 200 and [d["id"] for d in listed.json()] == [world.documents["bg"]]


@pytest.mark.parametrize("purpose", ["th%E1%BA%A9m%0D%0AX-Evil: 1", "a%00b", "x%0Ay", "esc%1B[31m", "tab%09"])
def test_control_characters_in_the_header_are_refused(setup: tuple[TestClient, World, Services], purpose: str) -> None:
    client, world, services = setup
    before = _purposes(services)
    response = client.get(f"/api/v1/documents/{world.documents['bg']}", headers={**_auth(), "X-Purpose": purpose})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "X-Purpose" in response.json()["detail"] and "control character" in response.json()["detail"]
    assert _purposes(services) == before  # nothing logged


def test_control_characters_in_the_parameter_are_refused(setup: tuple[TestClient, World, Services]) -> None:
    client, world, services = setup
    before = _purposes(services)
    path = f"/api/v1/documents/{world.documents['bg']}?purpose=th%E1%BA%A9m%0Ad%E1%BB%8Bnh"
    response = client.get(path, headers=_auth())
    assert response.status_code == 400 and "purpose parameter" in response.json()["detail"]
    assert _purposes(services) == before


def _get_raw(client: TestClient, path: str, headers: dict[str, Any]) -> httpx.Response:
    """A GET whose header bytes reach the app as sent (the test client re-encodes bytes it cannot read as UTF-8)."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
            return await raw.get(path, headers=headers)

    return anyio.run(call)


@pytest.mark.parametrize("header", [b"\xe9t\xe9", b"%FF%FE", b"th%E1%BAm"])
def test_bytes_that_are_not_utf8_are_refused_clearly(setup: tuple[TestClient, World, Services], header: bytes) -> None:
    client, world, _ = setup
    response = _get_raw(client, f"/api/v1/documents/{world.documents['bg']}", {**_auth(), "X-Purpose": header})
    assert response.status_code == 400
    assert "X-Purpose" in response.json()["detail"] and "UTF-8" in response.json()["detail"]


def test_every_reading_route_asks_the_purpose_the_same_way(setup: tuple[TestClient, World, Services]) -> None:
    client, world, _ = setup
    paths = [
        f"/api/v1/documents/{world.documents['bg']}",
        f"/api/v1/dossiers/{world.dossiers['DX']}",
        f"/api/v1/dossiers/{world.dossiers['DX']}/receipt?format=json",
        "/api/v1/search?q=giay",
    ]
    for path in paths:
        missing = client.get(path, headers=_auth())
        assert missing.status_code == 400 and "purpose" in missing.json()["detail"], path
        bad = client.get(path, headers={**_auth(), "X-Purpose": "a%0Ab"})
        assert bad.status_code == 400 and "control character" in bad.json()["detail"], path
    lookup = client.post("/api/v1/receipts/lookup", headers=_auth(), json={"qr": "not-a-receipt"})
    assert lookup.status_code == 400 and "purpose" in lookup.json()["detail"]
    portal = client.get(f"/api/v1/portal/owners/{OWNER_B}/documents", headers=_auth(Role.PORTAL))
    assert portal.status_code == 400 and "purpose" in portal.json()["detail"]
    handler_at_portal = client.get(f"/api/v1/portal/owners/{OWNER_B}/documents", headers=_auth(Role.HANDLER))
    assert handler_at_portal.status_code == 403  # the role is checked before the purpose


def test_the_portal_listing_reads_the_catalogue_once_however_many_papers(
    setup: tuple[TestClient, World, Services],
) -> None:
    client, world, services = setup
    headers = {**_auth(Role.PORTAL), "X-Purpose": quote(PURPOSE)}
    path = f"/api/v1/portal/owners/{OWNER_B}/documents"
    engine = services.sessions.kw["bind"]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM documents" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        one = client.get(path, headers=headers).json()
        reads_for_one = len(statements)
        station = Actor("station-y", Role.STATION, agency_code="000.00.12.H30")
        for n in range(3):  # three more papers of the granted type
            new = NewDocument(
                owner_id=OWNER_B,
                name=f"Giấy {n}",
                kind=DocumentKind.COMPONENT,
                type_code="GRANTED",
                procedure_code=PROCEDURE,
            )
            services.vault.store_document(new, tiny_pdf(f"more {n}"), station)
        statements.clear()
        four = client.get(path, headers=headers).json()
        reads_for_four = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [d["id"] for d in one] == [world.documents["bg"]] and len(four) == 4
    assert reads_for_four == reads_for_one == 1
    with services.sessions() as session:
        views = session.scalars(
            select(AccessLog.document_id).where(AccessLog.subject == "portal-p", AccessLog.action == "view")
        ).all()
    assert {d["id"] for d in four} <= set(views)  # every listed paper is a recorded read
