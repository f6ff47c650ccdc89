"""The staging area of this installation, built once: the object store's staging bucket when the vault is on
S3 (API and workers then share no disk), else `<data dir>/ingest/batches` (the embedded default).
"""

from __future__ import annotations

from functools import lru_cache

from core.files import private_folder
from core.settings import core_settings
from ingest.settings import IngestSettings, ingest_settings
from ingest.staging import FolderArea, StagingArea
from ingest.staging_s3 import ObjectArea
from vault.settings import VaultSettings, vault_settings


def build_staging(vault: VaultSettings, ingest: IngestSettings) -> StagingArea:
    """Object staging on the vault's endpoint, with its credentials and encryption; a folder without one."""
    if vault.s3_endpoint:
        return ObjectArea.connect(
            vault.s3_endpoint,
            vault.s3_access_key,
            vault.s3_secret_key,
            ingest.staging_bucket,
            secure=vault.s3_secure,
            region=vault.s3_region,
            prefix=ingest.staging_prefix,
            sse=vault.s3_sse,
            sse_key=vault.sse_customer_key() if vault.s3_sse == "ssec" else None,
            expire_days=ingest.staging_expire_days,
        )
    return FolderArea(private_folder(core_settings().data_dir / "ingest" / "batches", exist_ok=True))


@lru_cache(maxsize=1)
def staging_area() -> StagingArea:
    return build_staging(vault_settings(), ingest_settings())
