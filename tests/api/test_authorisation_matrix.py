"""The authorisation matrix: every route of the OpenAPI document × every role (and no token) × own / foreign /
granted / revoked-grant / expired-grant resources. No foreign read succeeds; every allowed one does.

A route missing from `ROUTES` fails the test: a new route must say who may call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Role
from ingest.models import Batch
from tests.api.issuing_routes import issuing_routes
from tests.api.world import (
    AGENCY_X,
    AGENCY_Y,
    OWNER_A,
    OWNER_B,
    PROCEDURE,
    PURPOSE,
    World,
    build_world,
    private_app,
)

SCENARIOS = ("own", "foreign", "granted", "revoked", "expired")
ROLES: dict[str, dict[str, Any]] = {
    "anonymous": {},
    "station": {"role": Role.STATION, "subject": "QT-01", "agency_code": AGENCY_X},
    "handler": {"role": Role.HANDLER, "subject": "cb-01", "agency_code": AGENCY_X},
    "citizen": {"role": Role.CITIZEN, "subject": OWNER_A, "owner_id": OWNER_A},
    "portal": {"role": Role.PORTAL, "subject": "dvcqg"},
    "admin": {"role": Role.ADMIN, "subject": "root"},
}
DOC_OF = {"own": "a1", "foreign": "b1", "granted": "bg", "revoked": "br", "expired": "be"}
TYPE_OF = {"a1": "GKS", "b1": "SHK", "bg": "GRANTED", "br": "REVOKED", "be": "EXPIRED"}


@dataclass(frozen=True)
class Call:
    path: str
    body: Any = None


@dataclass(frozen=True)
class Rule:
    call: Callable[[World, str], Call]
    allowed: Callable[[str, str], bool]  # (role, scenario) -> may it succeed?
    ok: tuple[int, ...] = (200,)


def doc(world: World, scenario: str) -> str:
    return world.documents[DOC_OF[scenario]]


def document_reader(role: str, scenario: str) -> bool:
    """Owner, an agency whose dossier holds it, a grantee under an active grant for the purpose, admins."""
    if role == "admin":
        return True
    if role == "citizen":
        return scenario == "own"
    if role in ("station", "handler"):
        return scenario in ("own", "granted")
    if role == "portal":
        return scenario == "granted"
    return False


def dossier_viewer(role: str, scenario: str) -> bool:
    return role == "admin" or (role in ("station", "handler", "citizen") and scenario == "own")


def roles(*names: str) -> Callable[[str, str], bool]:
    return lambda role, _scenario: role in names


def citizen_own(role: str, scenario: str) -> bool:
    return role == "citizen" and scenario == "own"


def _uri(world: World, scenario: str) -> Call:
    name = DOC_OF[scenario]
    return Call(f"/api/v1/d/-/{TYPE_OF[name]}/{world.documents[name]}")


def _grant_body(world: World, scenario: str) -> Call:
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).isoformat()
    body = {"grantee_kind": "agency", "grantee": AGENCY_Y, "document_id": doc(world, scenario), "purpose": PURPOSE}
    return Call("/api/v1/me/grants", {**body, "expires_at": expires})


def _grant_id(world: World, scenario: str) -> Call:
    key = {"own": "a-own", "foreign": "bg-portal", "granted": "bg-" + AGENCY_X, "revoked": "br-portal"}
    return Call(f"/api/v1/me/grants/{world.grants[key.get(scenario, 'be-portal')]}")


def _batch(world: World, scenario: str, suffix: str = "") -> Call:
    return Call(f"/api/v1/batches/{world.batches['BX' if scenario == 'own' else 'BY']}{suffix}")


def _dossier(world: World, scenario: str) -> Call:
    return Call(f"/api/v1/dossiers/{world.dossiers['DX' if scenario == 'own' else 'DY']}")


def _owner(scenario: str) -> str:
    return OWNER_A if scenario == "own" else OWNER_B


ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Rule(lambda w, s: Call("/healthz"), lambda r, s: True),
    ("GET", "/readyz"): Rule(lambda w, s: Call("/readyz"), lambda r, s: True),
    ("GET", "/metrics"): Rule(lambda w, s: Call("/metrics"), lambda r, s: True),
    ("POST", "/api/v1/batches"): Rule(lambda w, s: Call("/api/v1/batches", {}), roles("station"), ok=(422,)),
    ("GET", "/api/v1/batches/{batch_id}"): Rule(
        _batch, lambda r, s: r == "admin" or (r in ("station", "handler") and s == "own")
    ),
    ("GET", "/api/v1/batches/{batch_id}/events"): Rule(
        lambda w, s: _batch(w, s, "/events"), lambda r, s: r == "admin" or (r in ("station", "handler") and s == "own")
    ),
    ("POST", "/api/v1/batches/{batch_id}/documents/{index}/choice"): Rule(  # its document is queued, not waiting
        lambda w, s: Call(_batch(w, s, "/documents/0/choice").path, {"choice": "reuse"}),
        lambda r, s: r == "station" and s == "own",
        ok=(409,),
    ),
    ("GET", "/api/v1/dossiers/{code}"): Rule(_dossier, dossier_viewer),
    ("GET", "/api/v1/documents/{document_id}"): Rule(
        lambda w, s: Call(f"/api/v1/documents/{doc(w, s)}"), document_reader
    ),
    ("GET", "/api/v1/d/{agency_code}/{type_code}/{document_id}"): Rule(_uri, document_reader),
    ("GET", "/api/v1/documents/{document_id}/content"): Rule(
        lambda w, s: Call(f"/api/v1/documents/{doc(w, s)}/content"), document_reader
    ),
    ("GET", "/api/v1/documents/{document_id}/text"): Rule(
        lambda w, s: Call(f"/api/v1/documents/{doc(w, s)}/text"), document_reader
    ),
    ("GET", "/api/v1/documents/{document_id}/fields"): Rule(
        lambda w, s: Call(f"/api/v1/documents/{doc(w, s)}/fields"), document_reader
    ),
    ("GET", "/api/v1/documents/{document_id}/validation"): Rule(
        lambda w, s: Call(f"/api/v1/documents/{doc(w, s)}/validation"), document_reader
    ),
    ("GET", "/api/v1/documents/{document_id}/versions"): Rule(
        lambda w, s: Call(f"/api/v1/documents/{doc(w, s)}/versions"), document_reader
    ),
    # A JSON body is no multipart form: 422 for stations; who may version which document: tests/api/test_versions.py
    ("POST", "/api/v1/documents/{document_id}/versions"): Rule(
        lambda w, s: Call(f"/api/v1/documents/{doc(w, s)}/versions", {}), roles("station"), ok=(422,)
    ),
    ("GET", "/api/v1/me/documents"): Rule(lambda w, s: Call("/api/v1/me/documents"), roles("citizen")),
    ("POST", "/api/v1/me/dossiers/{code}/attachments"): Rule(
        lambda w, s: Call(f"/api/v1/me/dossiers/{w.dossiers['DX2']}/attachments", {"document_id": doc(w, s)}),
        citizen_own,
        ok=(201,),
    ),
    ("GET", "/api/v1/me/grants"): Rule(lambda w, s: Call("/api/v1/me/grants"), roles("citizen")),
    ("POST", "/api/v1/me/grants"): Rule(_grant_body, citizen_own, ok=(201,)),
    ("DELETE", "/api/v1/me/grants/{grant_id}"): Rule(_grant_id, citizen_own, ok=(204,)),
    ("GET", "/api/v1/me/access-log"): Rule(lambda w, s: Call("/api/v1/me/access-log"), roles("citizen")),
    ("GET", "/api/v1/me/access-log/checkpoint"): Rule(  # no checkpoint in this world: 404 once allowed
        lambda w, s: Call("/api/v1/me/access-log/checkpoint"), roles("citizen"), ok=(404,)
    ),
    ("GET", "/api/v1/portal/owners/{owner_id}/documents"): Rule(
        lambda w, s: Call(f"/api/v1/portal/owners/{_owner(s)}/documents"), roles("portal")
    ),
    ("GET", "/api/v1/portal/documents/{document_id}/content"): Rule(
        lambda w, s: Call(f"/api/v1/portal/documents/{doc(w, s)}/content"),
        lambda r, s: r == "portal" and s == "granted",
    ),
    ("POST", "/api/v1/portal/lookup"): Rule(
        lambda w, s: Call(
            "/api/v1/portal/lookup",
            {"SoDinhDanh": _owner(s), "MaNguoiYeuCau": "cb-09", "TenNguoiYeuCau": "Lê Văn C", "KenhThucHien": 1},
        ),
        roles("portal"),
    ),
    ("GET", "/api/v1/stats/digitisation"): Rule(
        lambda w, s: Call("/api/v1/stats/digitisation"), roles("admin", "handler", "portal")
    ),
    ("POST", "/api/v1/counter/papers-on-file"): Rule(
        lambda w, s: Call("/api/v1/counter/papers-on-file", {"owner_id": _owner(s), "type_codes": ["GKS"]}),
        roles("admin", "station", "handler"),
    ),
    ("GET", "/api/v1/procedures/{code}/papers"): Rule(  # public knowledge, to anyone signed in
        lambda w, s: Call(f"/api/v1/procedures/{PROCEDURE}/papers"), lambda r, s: r != "anonymous"
    ),
    ("GET", "/api/v1/stats/rollup"): Rule(
        lambda w, s: Call("/api/v1/stats/rollup?level=district"), roles("admin", "handler", "portal")
    ),
    ("GET", "/api/v1/stats/reports"): Rule(
        lambda w, s: Call("/api/v1/stats/reports"), roles("admin", "handler", "portal")
    ),
    ("GET", "/api/v1/stats/reports/{month}"): Rule(  # none published in this world: 404 once authorised
        lambda w, s: Call("/api/v1/stats/reports/2026-01"), roles("admin", "handler", "portal"), ok=(404,)
    ),
    ("GET", "/api/v1/stats/reports/{month}/{name}"): Rule(
        lambda w, s: Call("/api/v1/stats/reports/2026-01/chi-tieu-766-2026-01.pdf"),
        roles("admin", "handler", "portal"),
        ok=(404,),
    ),
    ("POST", "/api/v1/webhooks"): Rule(
        lambda w, s: Call(
            "/api/v1/webhooks",
            {"url": "https://one-stop.example.vn/hooks", "events": ["batch.finished"], "agency_code": AGENCY_X},
        ),
        roles("admin", "handler"),  # the body names the handler's own agency
        ok=(201,),
    ),
    ("GET", "/api/v1/webhooks"): Rule(lambda w, s: Call("/api/v1/webhooks"), roles("admin", "handler")),
    ("GET", "/api/v1/admin/portal-sync"): Rule(lambda w, s: Call("/api/v1/admin/portal-sync"), roles("admin")),
    ("GET", "/api/v1/admin/operations"): Rule(lambda w, s: Call("/api/v1/admin/operations"), roles("admin")),
    ("POST", "/api/v1/admin/portal-sync/replay"): Rule(
        lambda w, s: Call("/api/v1/admin/portal-sync/replay", {"all": True}), roles("admin")
    ),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Rule(
        lambda w, s: Call("/api/v1/webhooks/" + "0" * 32), roles("admin", "handler"), ok=(404,)
    ),
    ("POST", "/api/v1/dossiers/{code}/transitions"): Rule(  # a move the state refuses: authorised, then 409
        lambda w, s: Call(_dossier(w, s).path + "/transitions", {"action": "return"}),
        lambda r, s: r == "admin" or (r == "handler" and s == "own"),
        ok=(409,),
    ),
    ("POST", "/api/v1/dossiers/consent-requests"): Rule(  # any citizen may be asked; only they see the code
        lambda w, s: Call(
            "/api/v1/dossiers/consent-requests",
            {"owner_id": _owner(s), "procedure_code": PROCEDURE, "document_ids": [doc(w, s)]},
        ),
        roles("station", "handler"),
        ok=(201,),
    ),
    ("POST", "/api/v1/dossiers"): Rule(  # the counter opens a dossier without papers: no consent needed
        lambda w, s: Call("/api/v1/dossiers", {"owner_id": _owner(s), "procedure_code": PROCEDURE}),
        roles("station", "handler"),
        ok=(201,),
    ),
    ("GET", "/api/v1/me/dossiers"): Rule(lambda w, s: Call("/api/v1/me/dossiers"), roles("citizen")),
    ("POST", "/api/v1/me/dossiers"): Rule(
        lambda w, s: Call(
            "/api/v1/me/dossiers",
            {"agency_code": AGENCY_Y, "procedure_code": PROCEDURE, "documents": [{"document_id": doc(w, s)}]},
        ),
        citizen_own,
        ok=(201,),
    ),
    ("POST", "/api/v1/me/dossiers/{code}/withdraw"): Rule(
        lambda w, s: Call(_dossier(w, s).path.replace("/dossiers/", "/me/dossiers/") + "/withdraw", {}),
        citizen_own,
        ok=(200, 409),  # withdrawn once, then the state refuses
    ),
    ("GET", "/api/v1/me/consent-requests"): Rule(lambda w, s: Call("/api/v1/me/consent-requests"), roles("citizen")),
    ("GET", "/api/v1/search"): Rule(
        lambda w, s: Call("/api/v1/search?q=giay"), roles("station", "handler", "citizen", "portal", "admin")
    ),
    # split signing: an officer (station token) sees and answers only their own requests; an unknown id is a 404
    ("GET", "/api/v1/signature-requests"): Rule(lambda w, s: Call("/api/v1/signature-requests"), roles("station")),
    ("GET", "/api/v1/signature-requests/{request_id}"): Rule(
        lambda w, s: Call("/api/v1/signature-requests/" + "0" * 32), roles("station"), ok=(404,)
    ),
    ("POST", "/api/v1/signature-requests/{request_id}/signature"): Rule(
        lambda w, s: Call("/api/v1/signature-requests/" + "0" * 32 + "/signature", {"signature": "AAAA"}),
        roles("station"),
        ok=(404,),
    ),
    ("POST", "/api/v1/signature-requests/{request_id}/rejection"): Rule(
        lambda w, s: Call("/api/v1/signature-requests/" + "0" * 32 + "/rejection", {"reason": "mờ"}),
        roles("station"),
        ok=(404,),
    ),
    ("POST", "/api/v1/signature-requests/{request_id}/renewal"): Rule(
        lambda w, s: Call("/api/v1/signature-requests/" + "0" * 32 + "/renewal"), roles("station"), ok=(404,)
    ),
}
ROUTES.update(issuing_routes(Call, Rule))


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, World]]:
    app = private_app(tmp_path_factory.mktemp("api"))
    world = build_world(app.state.services)
    with app.state.services.sessions.begin() as session:  # finished batches: their event streams end
        session.execute(update(Batch).values(finished_at=dt.datetime.now(dt.UTC)))
    with TestClient(app) as client:
        yield client, world


def _headers(role: str) -> dict[str, str]:
    spec = ROLES[role]
    if not spec:
        return {}
    token = mint_development_token(
        ApiSettings(),
        core_settings(),
        role=spec["role"],
        subject=spec["subject"],
        agency_code=spec.get("agency_code"),
        owner_id=spec.get("owner_id"),
    )
    return {"Authorization": f"Bearer {token}", "X-Purpose": quote(PURPOSE)}


def test_every_route_of_the_openapi_document_is_in_the_matrix(setup: tuple[TestClient, World]) -> None:
    client, _ = setup
    spec = client.get("/openapi.json").json()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert routes - set(ROUTES) == set(), "classify the new routes in ROUTES"
    assert set(ROUTES) - routes == set(), "ROUTES names a route the API no longer has"


@pytest.mark.parametrize("role", list(ROLES))
def test_no_foreign_read_succeeds_and_every_allowed_one_does(setup: tuple[TestClient, World], role: str) -> None:
    client, world = setup
    failures = []
    for (method, template), rule in ROUTES.items():
        for scenario in SCENARIOS:
            call = rule.call(world, scenario)
            response = client.request(method, call.path, headers=_headers(role), json=call.body)
            allowed = rule.allowed(role, scenario)
            public = template in ("/healthz", "/readyz", "/metrics")
            if allowed:
                ok = response.status_code in rule.ok
            elif role == "anonymous" and not public:
                ok = response.status_code == 401
            else:
                ok = response.status_code in (403, 404)
            if ok and not allowed and role == "citizen" and response.status_code < 300:
                ok = False
            if not ok:
                failures.append(f"{method} {template} [{scenario}] → {response.status_code} {response.text[:120]}")
    assert failures == [], "\n".join(failures)


def test_listings_never_show_another_owners_papers(setup: tuple[TestClient, World]) -> None:
    client, world = setup
    mine = client.get("/api/v1/me/documents", headers=_headers("citizen")).json()["items"]
    assert {d["owner_id"] for d in mine} == {OWNER_A}
    listed = client.get(f"/api/v1/portal/owners/{OWNER_B}/documents", headers=_headers("portal")).json()
    assert [d["id"] for d in listed] == [world.documents["bg"]]  # not the revoked, expired or ungranted ones
    found = client.post(
        "/api/v1/portal/lookup",
        headers=_headers("portal"),
        json={"SoDinhDanh": OWNER_B, "MaNguoiYeuCau": "cb-09", "TenNguoiYeuCau": "Lê Văn C", "KenhThucHien": 2},
    ).json()
    files = [f["DuongDan"] for paper in found["DanhSachGiayTo"] for f in paper["DanhSachTep"]]
    assert files == [f"/api/v1/portal/documents/{world.documents['bg']}/content"]
    dossier = client.get(f"/api/v1/dossiers/{world.dossiers['DX']}", headers=_headers("handler")).json()
    assert [d["document"]["id"] for d in dossier["documents"]] == [world.documents["a1"]]


def test_handlers_and_the_portal_must_state_a_purpose(setup: tuple[TestClient, World]) -> None:
    client, world = setup
    for role in ("handler", "portal"):
        headers = {"Authorization": _headers(role)["Authorization"]}
        response = client.get(f"/api/v1/documents/{world.documents['bg']}", headers=headers)
        assert response.status_code == 400 and "purpose" in response.json()["detail"]
    other = {**_headers("handler"), "X-Purpose": quote("mục đích khác")}
    assert client.get(f"/api/v1/documents/{world.documents['bg']}", headers=other).status_code == 404  # per purpose


def test_a_grant_revoked_or_run_out_is_refused_with_its_reason(setup: tuple[TestClient, World]) -> None:
    """The grantee held the grant: a 403 naming it and when it ended (docs/portal.md); a paper never granted to
    it stays a 404, so nothing is disclosed to anyone else."""
    client, world = setup
    for role, grantee in (("portal", "portal"), ("handler", AGENCY_X)):
        for scenario, how in (("revoked", "revoked"), ("expired", "expired")):
            name = DOC_OF[scenario]
            path = f"/api/v1/documents/{world.documents[name]}"
            if role == "portal":
                path = f"/api/v1/portal/documents/{world.documents[name]}/content"
            # the record (or the portal's content), its verified content's signatures and its versions alike
            paths = (path, f"/api/v1/documents/{world.documents[name]}/validation")
            for each in (*paths, f"/api/v1/documents/{world.documents[name]}/versions"):
                refused = client.get(each, headers=_headers(role))
                assert refused.status_code == 403, (role, scenario, each, refused.text)
                problem = refused.json()
                assert refused.headers["content-type"] == "application/problem+json"
                assert problem["type"] == f"urn:sohoa:problem:grant-{how}"
                assert f"grant {world.grants[f'{name}-{grantee}']} for this purpose was {how} at " in problem["detail"]
                assert OWNER_B not in problem["detail"]
        for suffix in ("", "/validation", "/versions"):
            foreign = client.get(f"/api/v1/documents/{world.documents['b1']}{suffix}", headers=_headers(role))
            assert foreign.status_code == 404, (role, suffix, foreign.text)
    # the owner's list still answers the active grant's paper; another purpose was never granted: a 404 stays
    other = {**_headers("portal"), "X-Purpose": quote("mục đích khác")}
    assert client.get(f"/api/v1/portal/documents/{world.documents['br']}/content", headers=other).status_code == 404
    listed = client.get(f"/api/v1/portal/owners/{OWNER_B}/documents", headers=_headers("portal"))
    assert [d["id"] for d in listed.json()] == [world.documents["bg"]]
