"""The catalogue and the vault of this process, built once from settings: the catalogue database migrated (the
vault's tables, then the pipeline's and issuing tables), the object store chosen.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from ingest.db import migrate, sessions
from vault.db import make_engine, session_factory
from vault.db import migrate as migrate_vault
from vault.service import Vault
from vault.settings import VaultSettings, vault_settings
from vault.store import make_store
from vault.writes import WriteHooks


@lru_cache(maxsize=1)
def catalogue() -> sessionmaker[Session]:
    """Session factory on the catalogue database, migrated to the newest schema on first use."""
    url = vault_settings().resolved_database_url()
    migrate(url)
    return sessions(url)


def build_vault(settings: VaultSettings | None = None) -> Vault:
    settings = settings or vault_settings()
    return Vault(catalogue(), make_store(settings), settings)


@lru_cache(maxsize=1)
def vault() -> Vault:
    return build_vault()


def open_vault(settings: VaultSettings | None = None, *, hooks: WriteHooks | None = None) -> Vault:
    """A Vault on its own engine: the vault's catalogue migrated, the object store chosen (vault commands)."""
    settings = settings or vault_settings()
    url = settings.resolved_database_url()
    migrate_vault(url)
    return Vault(session_factory(make_engine(url)), make_store(settings), settings, hooks=hooks)
