"""`SOHOA_PORTAL_*`: the national portal's endpoint, the operator files holding its credentials, and the outbox's
retry policy (docs/portal.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    """`SOHOA_PORTAL_*`: where and how the outbox is delivered (docs/portal.md)."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_PORTAL_", extra="ignore")

    sync_url: str | None = Field(None, description="the portal's endpoint; unset: no outbox written")
    sync_token_file: Path | None = Field(None, description="file holding the bearer token")
    sync_secret_file: Path | None = Field(None, description="file holding the HMAC secret of X-Sohoa-Signature")
    sync_timeout_seconds: float = Field(10.0, gt=0, description="one request's timeout")
    sync_max_attempts: int = Field(12, ge=1, description="failed attempts before a message is a dead letter")
    sync_backoff_seconds: float = Field(2.0, gt=0, description="first wait after a failure; doubled each time")
    sync_backoff_max_seconds: float = Field(600.0, gt=0, description="longest wait between attempts")

    def token(self) -> str | None:
        return self.sync_token_file.read_text().strip() if self.sync_token_file else None

    def secret(self) -> str | None:
        return self.sync_secret_file.read_text().strip() if self.sync_secret_file else None

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones: base × 2^(attempts-1), capped."""
        return min(self.sync_backoff_seconds * 2 ** max(attempts - 1, 0), self.sync_backoff_max_seconds)


@lru_cache(maxsize=1)
def portal_settings() -> PortalSettings:
    return PortalSettings()
