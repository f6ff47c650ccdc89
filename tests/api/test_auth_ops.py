"""Bearer-token verification, RFC 9457 problems and the operations endpoints, over the real ASGI app."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
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
from api.services import Services
from api.settings import ApiSettings
from api.tokens import InsecureConfiguration, TokenError, TokenVerifier, mint_development_token, sign_token
from core.settings import CoreSettings
from core.types import Actor, Role
from runtime.app import api_services
from tests.support.stack import operator_keys


@pytest.fixture
def core(tmp_path: Path) -> CoreSettings:
    return CoreSettings(data_dir=tmp_path / "data")


def _private_services(core: CoreSettings) -> Services:
    """Services on a catalogue and vault of the test's own (never the configured servers)."""
    from ingest.db import migrate, sessions
    from vault.service import Vault
    from vault.settings import VaultSettings
    from vault.store import LocalStore

    url = f"sqlite:///{core.path('catalogue.sqlite3')}"
    migrate(url)
    factory = sessions(url)
    return api_services(core, factory, Vault(factory, LocalStore(core.path("objects")), VaultSettings()))


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


SERVERS = {
    "broker": ("SOHOA_INGEST_BROKER_URL", "redis://127.0.0.1:6379/5"),
    "database": ("SOHOA_VAULT_DATABASE_URL", "postgresql+psycopg://127.0.0.1/test"),
    "s3": ("SOHOA_VAULT_S3_ENDPOINT", "127.0.0.1:9000"),
}


@pytest.fixture
def production_like(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server configured (broker, catalogue database or S3) and no JWT settings; caches cleared around."""
    from ingest.settings import ingest_settings
    from vault.settings import vault_settings

    name, value = SERVERS[request.param]
    monkeypatch.setenv(name, value)
    ingest_settings.cache_clear()
    vault_settings.cache_clear()
    yield name
    monkeypatch.delenv(name)
    ingest_settings.cache_clear()
    vault_settings.cache_clear()


@pytest.mark.parametrize("production_like", list(SERVERS), indirect=True)
def test_development_keys_outside_the_embedded_default_refuse_to_start(
    production_like: str, core: CoreSettings
) -> None:
    """Issue #13 item 11: a broker (or database, or S3) without JWT settings trusted the data folder's key."""
    from runtime.app import build_app

    with pytest.raises(InsecureConfiguration, match="no token verifier is configured"):
        build_app()  # `sohoa serve`'s factory: refused before any server is contacted
    with pytest.raises(InsecureConfiguration, match="no token verifier is configured"):
        create_app(ApiSettings(), core, services=_private_services(core))
    with pytest.raises(TokenError, match="embedded default"):
        mint_development_token(ApiSettings(), core, role=Role.ADMIN, subject="x")
    # With the single sign-on's key configured the same deployment starts.
    key = generate_private_key(SECP256R1())
    pem = core.path("sso-public.pem")
    pem.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    verifier = TokenVerifier(ApiSettings(jwt_public_key_file=pem), core)
    token = sign_token(key, ApiSettings(), role=Role.ADMIN, subject="root", algorithm="ES256")
    assert verifier.verify(token).subject == "root"


def test_the_cli_refuses_development_tokens_and_serving_outside_the_embedded_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_DATA_DIR"] = str(tmp_path / "data")
    embedded = subprocess.run(
        [sys.executable, "-m", "cli", "token", "--role", "admin", "--sub", "root"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert embedded.returncode == 0 and embedded.stdout.count(b".") == 2  # a JWT on the embedded default
    env["SOHOA_INGEST_BROKER_URL"] = "redis://127.0.0.1:6379/5"
    for name in ("SOHOA_OWNER_KEY_FILE", "SOHOA_VAULT_SSE_KEY_FILE"):  # outside the embedded default: given
        key = tmp_path / name.lower()
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
        env[name] = str(key)
    env["SOHOA_AUTO_MIGRATE"] = "true"  # the deploy preflight passes: the refusal seen is the token one
    token = subprocess.run(
        [sys.executable, "-m", "cli", "token", "--role", "admin", "--sub", "root"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert token.returncode == 2 and token.stdout == b""
    assert b"embedded default" in token.stderr
    # The operator's key files are there and the schema is migrated: what's missing is a token key source.
    env.update(operator_keys(tmp_path / "keys"), SOHOA_AUTO_MIGRATE="true")
    serve = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--no-worker"], env=env, capture_output=True, timeout=120
    )
    assert serve.returncode == 2
    assert b"refusing to start" in serve.stderr and b"Traceback" not in serve.stderr


@pytest.mark.parametrize(
    "claims",
    [
        {"role": "citizen", "owner": "０４５１９０００１２３４"},
        {"role": "citizen", "owner": "٠٤٥١٩٠٠٠١٢٣٤"},
        {"role": "citizen", "owner": "0314 409 058"},
        {"role": "station", "agency": "000.00.00.Ｈ30"},
    ],
)
def test_look_alike_identifiers_in_token_claims_are_refused(claims: dict[str, str]) -> None:
    """Issue #13 item 5, the token side: a look-alike owner claim would read another, empty vault."""
    from api.tokens import actor_from_claims

    with pytest.raises(TokenError, match="not a valid identifier"):
        actor_from_claims({"sub": "x", **claims})


def test_the_request_id_is_taken_or_made_and_sent_back(core: CoreSettings) -> None:
    client = _client(ApiSettings(), core)
    given = client.get("/healthz", headers={"X-Request-ID": "quay-07-0001"})
    assert given.headers["x-request-id"] == "quay-07-0001"
    made = [client.get("/healthz").headers["x-request-id"] for _ in range(2)]
    assert made[0] != made[1] and all(len(rid) == 32 for rid in made)
    refused = client.get("/healthz", headers={"X-Request-ID": "a b\\u00e9" * 3})  # not a plain token: replaced
    assert refused.headers["x-request-id"] != "a b\\u00e9" * 3 and len(refused.headers["x-request-id"]) == 32
