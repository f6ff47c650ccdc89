"""Bearer-token verification, RFC 9457 problems and the operations endpoints, over the real ASGI app."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from urllib.parse import quote

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from fastapi import Depends
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import current_actor, require_roles
from api.settings import ApiSettings
from api.tokens import TokenError, TokenVerifier, mint_development_token
from core.settings import CoreSettings
from core.types import Actor, Role
from runtime.app import api_services


@pytest.fixture
def core(tmp_path: Path) -> CoreSettings:
    return CoreSettings(data_dir=tmp_path / "data")


def _client(api: ApiSettings, core: CoreSettings) -> TestClient:
    app = create_app(api, core, services=api_services(core))

    @app.get("/probe/me")
    def me(actor: Actor = Depends(current_actor)) -> dict[str, str | None]:
        return {"sub": actor.subject, "role": actor.role.value, "purpose": actor.purpose}

    @app.get("/probe/admin")
    def admin_only(actor: Actor = Depends(require_roles(Role.ADMIN))) -> dict[str, str]:
        return {"ok": actor.subject}

    return TestClient(app)


def test_development_token_round_trip_and_purpose(core: CoreSettings) -> None:
    api = ApiSettings()
    client = _client(api, core)
    token = mint_development_token(api, core, role=Role.HANDLER, subject="cb-01", agency_code="000.00.00.H30")
    response = client.get("/probe/me", headers={"Authorization": f"Bearer {token}", "X-Purpose": quote("thẩm định")})
    assert response.status_code == 200
    assert response.json() == {"sub": "cb-01", "role": "handler", "purpose": "thẩm định"}
    forbidden = client.get("/probe/admin", headers={"Authorization": f"Bearer {token}"})
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert "admin" in forbidden.json()["detail"]


def test_token_from_another_data_folder_is_refused(core: CoreSettings, tmp_path: Path) -> None:
    api = ApiSettings()
    other = CoreSettings(data_dir=tmp_path / "other")
    token = mint_development_token(api, other, role=Role.ADMIN, subject="x")
    response = _client(api, core).get("/probe/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401 and "invalid bearer token" in body["detail"]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "evil"}, "issuer"),
        ({"exp": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expired"),
        ({"nbf": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)}, "not yet valid"),
        ({"role": "superuser"}, "role"),
        ({"role": "citizen"}, "owner"),
    ],
)
def test_pem_key_verification_checks_every_claim(
    core: CoreSettings, tmp_path: Path, claims: dict[str, object], reason: str
) -> None:
    key = generate_private_key(SECP256R1())
    pem = tmp_path / "issuer.pem"
    pem.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    api = ApiSettings(jwt_public_key_file=pem, jwt_issuer="https://sso.example.vn", jwt_audience="sohoa")
    now = dt.datetime.now(dt.UTC)
    base = {
        "iss": "https://sso.example.vn",
        "aud": "sohoa",
        "sub": "u1",
        "role": "admin",
        "exp": now + dt.timedelta(minutes=5),
    }
    client = _client(api, core)
    good = jwt.encode(base, key, algorithm="ES256")
    assert client.get("/probe/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    bad = jwt.encode({**base, **claims}, key, algorithm="ES256")
    response = client.get("/probe/me", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401
    assert reason in response.json()["detail"].lower()


def test_a_token_verified_once_is_still_refused_once_it_expires(core: CoreSettings) -> None:
    api = ApiSettings(jwt_leeway_seconds=0)
    verifier = TokenVerifier(api, core)
    token = mint_development_token(api, core, role=Role.ADMIN, subject="x", lifetime=dt.timedelta(seconds=1.5))
    assert verifier.verify(token).subject == "x"
    assert verifier.verify(token).subject == "x"  # the second time from the cache of verified tokens
    time.sleep(1.6)
    with pytest.raises(TokenError, match="expired"):
        verifier.verify(token)


def test_no_development_tokens_when_production_keys_are_set(core: CoreSettings, tmp_path: Path) -> None:
    api = ApiSettings(jwt_jwks_url="https://sso.example.vn/jwks")
    with pytest.raises(TokenError, match="embedded default"):
        mint_development_token(api, core, role=Role.ADMIN, subject="x")


def test_missing_token_and_operations_endpoints(core: CoreSettings) -> None:
    client = _client(ApiSettings(), core)
    response = client.get("/probe/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert "sohoa_http_requests_total" in client.get("/metrics").text
    missing = client.get("/no/such/route")
    assert missing.status_code == 404 and missing.json()["instance"] == "/no/such/route"
