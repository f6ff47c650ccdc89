"""The content route's fast path (`api.content_route`), over the real app and catalogue: a plain bearer read skips
FastAPI's dependency solving yet answers as FastAPI's path does (authorised, purpose required, read logged first,
request id and metrics kept); every other request (query string, cookie, odd header) still goes FastAPI's way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import select

import api.content_route
from api.auth import purpose_stated
from api.content_route import ContentRoute
from api.services import Services
from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Actor, Role
from tests.api.world import AGENCY_X, World, build_world, private_app
from vault.models import AccessLog

ROUTE = "/api/v1/documents/{document_id}/content"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, World, Services]]:
    app = private_app(tmp_path_factory.mktemp("content-route"))
    services: Services = app.state.services
    world = build_world(services)
    with TestClient(app) as client:
        yield client, world, services


@pytest.fixture
def fast_calls(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The `X-Purpose` of each request the fast path authorised (FastAPI's own path calls `purpose_stated` through
    its dependant, not through this module)."""
    seen: list[str | None] = []

    async def counting(*args: Any) -> Actor:
        seen.append(args[2])
        return await purpose_stated(*args)

    monkeypatch.setattr(api.content_route, "purpose_stated", counting)
    return seen


def _auth(role: Role = Role.HANDLER, agency: str | None = AGENCY_X) -> dict[str, str]:
    claims: dict[str, Any] = {"agency_code": agency} if agency else {}
    token = mint_development_token(ApiSettings(), core_settings(), role=role, subject=f"{role}-cr", **claims)
    return {"Authorization": f"Bearer {token}"}


def _reads(services: Services, doc_id: str) -> int:
    with services.sessions() as session:
        found = session.scalars(select(AccessLog.id).where(AccessLog.document_id == doc_id, AccessLog.action == "read"))
        return len(list(found))


def _served(status: str) -> float:
    labels = {"method": "GET", "route": ROUTE, "status": status}
    return REGISTRY.get_sample_value("sohoa_http_requests_total", labels) or 0.0


def test_a_plain_bearer_read_takes_the_fast_path_and_keeps_every_behaviour(
    setup: tuple[TestClient, World, Services], fast_calls: list[str | None]
) -> None:
    client, world, services = setup
    doc_id, path = world.documents["a1"], f"/api/v1/documents/{world.documents['a1']}/content"
    reads, served = _reads(services, doc_id), _served("200")
    headers = {**_auth(), "X-Purpose": quote("thẩm định hồ sơ"), "X-Request-ID": "cr-fast-1"}
    response = client.get(path, headers=headers)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert fast_calls == [quote("thẩm định hồ sơ")]
    assert response.headers["x-request-id"] == "cr-fast-1"
    assert response.headers["content-length"] == str(len(response.content))
    assert _reads(services, doc_id) == reads + 1  # recorded before it was served
    assert _served("200") == served + 1
    ranged = client.get(path, headers={**headers, "Range": "bytes=0-4"})
    assert ranged.status_code == 206 and ranged.content == b"%PDF-" and len(fast_calls) == 2


def test_the_fast_path_still_refuses(setup: tuple[TestClient, World, Services], fast_calls: list[str | None]) -> None:
    client, world, _ = setup
    path = f"/api/v1/documents/{world.documents['a1']}/content"
    other = f"/api/v1/documents/{world.documents['b1']}/content"  # another agency's dossier, no grant
    assert client.get(path, headers=_auth()).status_code == 400  # a handler states a purpose
    assert client.get(other, headers={**_auth(), "X-Purpose": "x"}).status_code == 404
    assert client.get(path, headers={"Authorization": "Bearer not-a-token", "X-Purpose": "x"}).status_code == 401
    assert client.get(path, headers={**_auth(), "X-Purpose": "x", "Range": "bytes=9-1"}).status_code == 416
    assert fast_calls == [None, "x", "x", "x"]  # all four answered by the fast path


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("?purpose=x", {}, 200),  # a purpose in the query string
        ("?unknown=1", {"X-Purpose": "x"}, 422),  # the app-wide check of query parameters
        ("", {"X-Purpose": ""}, 422),  # FastAPI's own length checks of the header
        ("", {"X-Purpose": "x" * 501}, 422),
    ],
)
def test_other_requests_go_fastapis_way(
    setup: tuple[TestClient, World, Services],
    fast_calls: list[str | None],
    query: str,
    headers: dict[str, str],
    status: int,
) -> None:
    client, world, _ = setup
    response = client.get(f"/api/v1/documents/{world.documents['a1']}/content{query}", headers={**_auth(), **headers})
    assert response.status_code == status, response.text
    assert fast_calls == []


def test_no_token_goes_fastapis_way(setup: tuple[TestClient, World, Services], fast_calls: list[str | None]) -> None:
    client, world, _ = setup
    response = client.get(f"/api/v1/documents/{world.documents['a1']}/content", headers={"X-Purpose": "x"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert fast_calls == []


def test_dependency_overrides_are_honoured(
    setup: tuple[TestClient, World, Services], fast_calls: list[str | None]
) -> None:
    client, world, _ = setup

    async def nobody() -> Actor:
        return Actor("nobody", Role.CITIZEN)  # no owner id: may read nothing

    client.app.dependency_overrides[purpose_stated] = nobody  # type: ignore[attr-defined]
    try:
        response = client.get(
            f"/api/v1/documents/{world.documents['a1']}/content", headers={**_auth(), "X-Purpose": "x"}
        )
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert response.status_code == 404 and fast_calls == []


def test_a_route_the_fast_path_cannot_serve_is_refused_at_start() -> None:
    def other(document_id: str, actor: Actor) -> None: ...

    with pytest.raises(TypeError, match="ContentRoute serves endpoints"):
        ContentRoute("/x/{document_id}", other)
