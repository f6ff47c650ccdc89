"""The long-lived objects a process needs, built once from settings: the catalogue (migrated), the vault, and
the intake officer's signer. API processes and Celery workers both use them.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from core.settings import core_settings
from ingest.db import prepare_catalogue, sessions
from ingest.settings import IngestSettings, ingest_settings
from signing.identity import SigningIdentity, configured_identity
from signing.sign import DocumentSigner
from vault.service import Vault
from vault.settings import VaultSettings, vault_settings
from vault.store import make_store

_signer_lock = threading.Lock()


@lru_cache(maxsize=1)
def catalogue() -> sessionmaker[Session]:
    """Session factory on the catalogue database, migrated (or checked) on first use (`SOHOA_AUTO_MIGRATE`)."""
    url = vault_settings().resolved_database_url()
    prepare_catalogue(url, auto_migrate=core_settings().migrate_on_start)
    return sessions(url)


def preflight() -> None:
    """What a process needs before it serves, checked at its start so that it stops with one clear line:
    the operator's keys (`SettingsError`) and a current catalogue (`SchemaOutOfDate`)."""
    settings = vault_settings()
    settings.partition_key()
    if settings.s3_endpoint and settings.s3_sse == "ssec":
        settings.sse_customer_key()
    prepare_catalogue(settings.resolved_database_url(), auto_migrate=core_settings().migrate_on_start)


def build_vault(settings: VaultSettings | None = None) -> Vault:
    settings = settings or vault_settings()
    return Vault(catalogue(), make_store(settings), settings)


@lru_cache(maxsize=1)
def vault() -> Vault:
    return build_vault()


def officer_identity(settings: IngestSettings) -> SigningIdentity:
    """The intake signer from settings: a PKCS#11 token, a PKCS#12 file, or the development identity."""
    return configured_identity(
        role="officer",
        data_dir=core_settings().data_dir,
        p12=settings.officer_p12,
        p12_password_file=settings.officer_p12_password_file,
        pkcs11_lib=settings.officer_pkcs11_lib,
        pkcs11_token=settings.officer_pkcs11_token,
        pkcs11_key=settings.officer_pkcs11_key,
        pkcs11_pin_file=settings.officer_pkcs11_pin_file,
    )


@lru_cache(maxsize=1)
def officer_signer() -> DocumentSigner:
    """One signer per process (key loaded once, stamp font prepared once, TSA client reused)."""
    return DocumentSigner(officer_identity(ingest_settings()))


def signer_lock() -> threading.Lock:
    """A DocumentSigner runs its own event loop: one signature at a time per process."""
    return _signer_lock
