"""Production sign-in: the authorization-code flow with PKCE against an OpenID Connect provider (a small one run
here on loopback: discovery, JWKS, authorize, token), whose access token the API's verifier accepts; the session
then carries that person, and the development sign-in is gone.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from core.settings import CoreSettings
from runtime.app import api_services
from web.app import install
from web.settings import WebSettings


class Provider:
    """What the province's single sign-on does for this flow, and what it saw."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.challenges: dict[str, str] = {}
        self.verified_pkce = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self._json(
                        {
                            "issuer": provider.url,
                            "authorization_endpoint": f"{provider.url}/authorize",
                            "token_endpoint": f"{provider.url}/token",
                            "jwks_uri": f"{provider.url}/jwks",
                        }
                    )
                elif self.path == "/jwks":
                    raw = provider.key.public_key().public_bytes_raw()
                    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
                    self._json({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "alg": "EdDSA"}]})
                else:
                    self.send_response(404)
                    self.end_headers()

            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                verifier = form["code_verifier"][0]
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                provider.verified_pkce = provider.challenges.get(form["code"][0]) == digest
                now = dt.datetime.now(dt.UTC)
                claims = {
                    "iss": provider.url,
                    "aud": "sohoa",
                    "sub": "lan.nguyen",
                    "role": "station",
                    "agency": "000.00.00.H30",
                    "iat": now,
                    "exp": now + dt.timedelta(hours=1),
                }
                token = jwt.encode(claims, provider.key, algorithm="EdDSA", headers={"kid": "k1"})
                self._json({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

        return Handler


@pytest.fixture
def provider() -> Iterator[Provider]:
    running = Provider()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()


def test_sign_in_with_the_provincial_single_sign_on_uses_pkce(provider: Provider, tmp_path: Path) -> None:
    discovery = f"{provider.url}/.well-known/openid-configuration"
    api = ApiSettings(oidc_discovery_url=discovery, jwt_issuer=provider.url, jwt_audience="sohoa")
    core = CoreSettings(data_dir=tmp_path)
    web = WebSettings(oidc_client_id="sohoa-web", oidc_client_secret="s3cret", cookie_secure=False)
    client = TestClient(install(create_app(api, core, services=api_services(core)), web))
    page = client.get("/dang-nhap")
    assert "/dang-nhap/sso" in page.text and "phat-trien" not in page.text
    start = client.get("/dang-nhap/sso", params={"next": "/quay"}, follow_redirects=False)
    assert start.status_code == 302
    target = urlsplit(start.headers["location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/authorize"
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == ["sohoa-web"] and query["redirect_uri"][0].endswith("/dang-nhap/oidc")
    provider.challenges["the-code"] = query["code_challenge"][0]
    back = client.get(
        "/dang-nhap/oidc", params={"code": "the-code", "state": query["state"][0]}, follow_redirects=False
    )
    assert back.status_code == 303 and back.headers["location"] == "/quay", back.text
    assert provider.verified_pkce
    counter = client.get("/quay")
    assert counter.status_code == 200 and "lan.nguyen" in counter.text and "000.00.00.H30" in counter.text
    forged = client.get("/dang-nhap/oidc", params={"code": "x", "state": "not-this-one"}, follow_redirects=False)
    assert forged.status_code == 401
