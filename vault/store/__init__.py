"""Object stores of the vault: the `ObjectStore` contract, `S3Store`, `LocalStore`, and `make_store`.

`make_store` picks S3 when `SOHOA_VAULT_S3_ENDPOINT` is set, the local filesystem store otherwise.
"""

from __future__ import annotations

from vault.settings import VaultSettings
from vault.store.base import ByteRange, LockState, ObjectStore, ObjectVersion, StoredObject
from vault.store.local import LocalStore
from vault.store.s3 import S3Store
from vault.store.stream import StreamedContent
from vault.store.verify import VerifiedContent

__all__ = [
    "ByteRange",
    "LocalStore",
    "LockState",
    "ObjectStore",
    "ObjectVersion",
    "S3Store",
    "StoredObject",
    "StreamedContent",
    "VerifiedContent",
    "make_store",
]


def make_store(settings: VaultSettings) -> ObjectStore:
    """S3Store when an endpoint is configured, else LocalStore under `<data dir>/vault/objects`."""
    if settings.s3_endpoint:
        return S3Store(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            sse=settings.s3_sse,
            sse_key=settings.sse_customer_key() if settings.s3_sse == "ssec" else None,
        )
    return LocalStore(settings.resolved_objects_dir())
