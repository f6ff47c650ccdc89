"""Vault settings (`SOHOA_VAULT_*`): object store endpoint and credentials, catalogue URL, retention table.

With no S3 endpoint the vault keeps objects under `<data dir>/vault/objects` and its catalogue in SQLite.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from core.settings import SohoaSettings, core_settings, operator_secret

# Years kept, by document kind or by document type code (a type code entry wins over its kind's entry);
# None means permanent. Readings of the Archives Law and Circular 01/2023 noted in docs/vault.md.
DEFAULT_RETENTION: dict[str, int | None] = {
    "result": None,
    "certified_copy": 20,
    "component": 10,
    "citizen_upload": 10,
}


class VaultSettings(SohoaSettings):
    """`SOHOA_VAULT_S3_ENDPOINT` (host:port) switches to S3; `SOHOA_VAULT_DATABASE_URL` to PostgreSQL."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_VAULT_", extra="ignore")

    s3_endpoint: str | None = None
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "sohoa-vault"
    s3_secure: bool = False
    s3_region: str | None = None
    # ssec: SSE-C with a key kept in the data dir; s3: SSE-S3 (MinIO with KMS); none: the endpoint's default.
    s3_sse: Literal["ssec", "s3", "none"] = "ssec"
    sse_key_file: Path | None = None  # the SSE-C key (32 bytes, mode 0600); required outside the embedded default
    database_url: str | None = None
    objects_dir: Path | None = None
    retention_years: dict[str, int | None] = Field(default_factory=lambda: dict(DEFAULT_RETENTION))
    default_retention_years: int | None = 10
    # A write whose intent is older than this is treated as crashed by `sohoa vault fsck`.
    fsck_grace_seconds: float = 600.0
    # How often the worker's scheduler signs the access log's head into a checkpoint (`sohoa audit checkpoint`).
    audit_checkpoint_minutes: float = Field(default=60.0, gt=0)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{core_settings().path('vault', 'catalogue.sqlite3')}"

    def resolved_objects_dir(self) -> Path:
        target = self.objects_dir or core_settings().data_dir / "vault" / "objects"
        target.mkdir(parents=True, exist_ok=True)
        return target

    def partition_key(self) -> bytes:
        """Secret of the keyed hash that replaces owner ids in object keys (`SOHOA_OWNER_KEY_FILE`)."""
        core = core_settings()
        return operator_secret(
            core,
            core.owner_key_file,
            setting="SOHOA_OWNER_KEY_FILE",
            name="vault-partition-key",
            what="the owner partition key",
        )

    def sse_customer_key(self) -> bytes:
        """The 256-bit SSE-C key (`SOHOA_VAULT_SSE_KEY_FILE`; back it up apart from the objects)."""
        return operator_secret(
            core_settings(),
            self.sse_key_file,
            setting="SOHOA_VAULT_SSE_KEY_FILE",
            name="vault-sse-c-key",
            what="the SSE-C encryption key of the objects",
        )


@lru_cache(maxsize=1)
def vault_settings() -> VaultSettings:
    return VaultSettings()
