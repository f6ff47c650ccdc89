"""Sign-in without a browser: the development sign-in exists only on the embedded default, forms need this
session's CSRF token, the session cookie is HttpOnly and SameSite=Lax (Secure in production), a signed-in GET
of the API is the same actor as a bearer token, a cookie never authorises a state-changing API call, and only
paths of this site are followed after sign-in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from core.settings import CoreSettings
from runtime.app import api_services
from web.app import install
from web.settings import WebSettings


def _client(tmp_path: Path, api: ApiSettings) -> TestClient:
    core = CoreSettings(data_dir=tmp_path)
    app = create_app(api, core, services=api_services(core))
    return TestClient(install(app, WebSettings()), base_url="http://testserver")


def _csrf(client: TestClient, path: str = "/dang-nhap") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return _client(tmp_path, ApiSettings())


def test_development_sign_in_sets_a_safe_cookie_and_follows_only_local_paths(client: TestClient) -> None:
    form = {"role": "citizen", "name": "Trần Thị Hoa", "owner": "045190001234", "next": "//evil.example/x"}
    refused = client.post("/dang-nhap/phat-trien", data={**form, "csrf": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    answer = client.post("/dang-nhap/phat-trien", data={**form, "csrf": _csrf(client)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert "045190001234" not in answer.headers["set-cookie"]  # signed, but also not readable in the clear
    page = client.get("/kho")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert client.get("/api/v1/me/grants").status_code == 200  # the API accepts the session on a GET
    csrf = _csrf(client, "/kho")
    grant = {
        "grantee_kind": "portal",
        "grantee": "portal",
        "document_id": "x" * 32,
        "purpose": "thử",
        "expires_at": "2030-01-01T00:00:00+07:00",
    }
    assert client.post("/api/v1/me/grants", json=grant).status_code == 401  # never a cookie on a POST
    assert client.post("/dang-xuat", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/kho", follow_redirects=False).headers["location"].startswith("/dang-nhap")


def test_production_has_no_development_sign_in_and_a_secure_cookie(tmp_path: Path) -> None:
    client = _client(tmp_path, ApiSettings(jwt_jwks_url="http://127.0.0.1:9/jwks.json"))
    page = client.get("/dang-nhap")
    assert "phat-trien" not in page.text
    form = {"role": "admin", "name": "x", "csrf": _csrf(client) if "csrf" in page.text else "x"}
    assert client.post("/dang-nhap/phat-trien", data=form).status_code == 404
    answer = client.get("/dang-nhap")
    cookie = answer.headers.get("set-cookie", "").lower()
    assert cookie == "" or "secure" in cookie


def test_pages_for_another_role_are_refused(client: TestClient) -> None:
    form = {"role": "citizen", "name": "Hoa", "owner": "045190001234", "csrf": _csrf(client)}
    client.post("/dang-nhap/phat-trien", data=form)
    for path in ("/quay", "/ho-so", "/thong-ke", "/van-hanh"):
        assert client.get(path).status_code == 403, path


def test_english_switch_is_remembered(client: TestClient) -> None:
    english = client.get("/tra-cuu?lang=en")
    assert english.status_code == 200 and "Look up a dossier" in english.text
    assert "Look up a dossier" in client.get("/tra-cuu").text  # the cookie keeps it
    assert "Tra cứu hồ sơ" in client.get("/tra-cuu?lang=vi").text
