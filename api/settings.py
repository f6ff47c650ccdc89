"""API settings (`SOHOA_API_*`): where it listens, how bearer tokens are verified, upload limits.

With no token keys configured the API runs on the embedded default: it verifies tokens signed with
a development key kept in the data folder, which `sohoa token` uses to mint development tokens.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_API_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1  # API processes; the catalogue and vault are shared, so any number works
    min_free_disk_bytes: int = 256 * 1024**2  # /readyz says not ready below this much free space in the data folder
    # `sohoa ops status`, /van-hanh: a batch queued or running, or a message unsent, for longer is stuck
    ops_stuck_after_seconds: int = 3600
    # Token verification: a PEM public key, a JWKS URL or an OIDC discovery URL; none = development keys.
    jwt_issuer: str = "sohoa-dev"
    jwt_audience: str = "sohoa"
    jwt_algorithms: list[str] = ["RS256", "ES256", "EdDSA"]
    jwt_public_key_file: Path | None = None
    jwt_jwks_url: str | None = None
    oidc_discovery_url: str | None = None
    jwt_leeway_seconds: int = 30
    http_timeout_seconds: float = 5.0
    # Start a worker beside the API on `sohoa serve` (embedded default: yes; production runs `sohoa worker`).
    embedded_worker: bool | None = None

    @property
    def development_keys(self) -> bool:
        """True when no production key source is configured: the embedded default."""
        return not (self.jwt_public_key_file or self.jwt_jwks_url or self.oidc_discovery_url)


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    return ApiSettings()
