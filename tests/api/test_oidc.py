"""Tokens from a single sign-on: keys found through OIDC discovery and a JWKS document served over HTTP on
loopback, as behind the national SSO; a token signed by another key or for another audience is refused."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key
from jwt.algorithms import RSAAlgorithm

from api.settings import ApiSettings
from api.tokens import TokenError, TokenVerifier
from core.settings import CoreSettings
from core.types import Role


@pytest.fixture
def sso() -> Iterator[tuple[str, RSAPrivateKey]]:
    key = generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [{**jwk, "kid": "sso-1", "use": "sig", "alg": "RS256"}]}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the http.server API
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            documents: dict[str, Any] = {
                "/.well-known/openid-configuration": {"issuer": base, "jwks_uri": f"{base}/jwks.json"},
                "/jwks.json": jwks,
            }
            body = json.dumps(documents.get(self.path, {})).encode()
            self.send_response(200 if self.path in documents else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", key
    server.shutdown()
    server.server_close()


def _token(key: RSAPrivateKey, issuer: str, **claims: Any) -> str:
    now = dt.datetime.now(dt.UTC)
    body = {
        "iss": issuer,
        "aud": "sohoa",
        "sub": "cb-07",
        "role": "handler",
        "agency": "000.00.00.H30",
        "exp": now + dt.timedelta(minutes=5),
        "nbf": now,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "sso-1"})


def test_oidc_discovery_and_jwks(sso: tuple[str, RSAPrivateKey], tmp_path: Path) -> None:
    issuer, key = sso
    api = ApiSettings(oidc_discovery_url=f"{issuer}/.well-known/openid-configuration", jwt_issuer=issuer)
    verifier = TokenVerifier(api, CoreSettings(data_dir=tmp_path))
    actor = verifier.verify(_token(key, issuer))
    assert (actor.subject, actor.role, actor.agency_code) == ("cb-07", Role.HANDLER, "000.00.00.H30")
    stranger = generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(TokenError):
        verifier.verify(_token(stranger, issuer))  # same kid, another key: the signature fails
    with pytest.raises(TokenError, match=r"(?i)audience"):
        verifier.verify(_token(key, issuer, aud="other-service"))
    with pytest.raises(TokenError, match="agency"):
        verifier.verify(_token(key, issuer, agency=None))


def test_an_unreachable_sso_is_a_clear_refusal(tmp_path: Path) -> None:
    api = ApiSettings(jwt_jwks_url="http://127.0.0.1:9/jwks.json", jwt_issuer="x", http_timeout_seconds=1)
    verifier = TokenVerifier(api, CoreSettings(data_dir=tmp_path))
    key = generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(TokenError, match="invalid bearer token"):
        verifier.verify(_token(key, "x"))
