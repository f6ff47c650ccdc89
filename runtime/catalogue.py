"""The long-lived objects a process needs, built once from settings: the catalogue (migrated), the vault, and
the intake officer's signer. API processes and Celery workers both use them.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from core.settings import core_settings
from ingest.db import migrate, sessions
from ingest.settings import IngestSettings, ingest_settings
from signing.identity import SigningIdentity, configured_identity
from signing.sign import DocumentSigner
from vault.db import make_engine, session_factory
from vault.db import migrate as migrate_vault
from vault.service import Vault
from vault.settings import VaultSettings, vault_settings
from vault.store import make_store
from vault.writes import WriteHooks

_signer_lock = threading.Lock()


@lru_cache(maxsize=1)
def catalogue() -> sessionmaker[Session]:
    """Session factory on the catalogue database, migrated to the newest schema on first use."""
    url = vault_settings().resolved_database_url()
    migrate(url)
    return sessions(url)


def build_vault(settings: VaultSettings | None = None) -> Vault:
    settings = settings or vault_settings()
    return Vault(catalogue(), make_store(settings), settings)


def open_vault(settings: VaultSettings | None = None, *, hooks: WriteHooks | None = None) -> Vault:
    """A Vault on its own engine: the vault's catalogue migrated, the object store chosen (vault commands)."""
    settings = settings or vault_settings()
    url = settings.resolved_database_url()
    migrate_vault(url)
    return Vault(session_factory(make_engine(url)), make_store(settings), settings, hooks=hooks)


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
