"""Web settings (`SOHOA_WEB_*`): the session cookie and the province's single sign-on (OpenID Connect client).

The issuer is the one the API trusts (`SOHOA_API_OIDC_DISCOVERY_URL`) unless `SOHOA_WEB_OIDC_DISCOVERY_URL` is set.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from core.settings import SohoaSettings


class WebSettings(SohoaSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_WEB_", extra="ignore")

    # Signs the session cookie. Outside the embedded default the operator names a 32-byte key file (the same on
    # every API host); the embedded default keeps a random one in the data folder (secrets/web-session.key).
    session_key_file: Path | None = None
    session_secret: str | None = None
    session_hours: float = 8.0
    # Secure cookie: None = when the API runs with production keys (behind https), False on the embedded default.
    cookie_secure: bool | None = None
    # OpenID Connect authorization-code flow with PKCE (authlib); the redirect URI is <base>/dang-nhap/oidc.
    oidc_discovery_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid profile"


@lru_cache(maxsize=1)
def web_settings() -> WebSettings:
    return WebSettings()
