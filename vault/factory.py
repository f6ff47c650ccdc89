"""Build a ready `Vault` from settings: catalogue migrated, engine and sessions, object store chosen.

`open_vault()` is what the CLI, the pipeline and the API call.
"""

from __future__ import annotations

from vault.db import make_engine, migrate, session_factory
from vault.service import Vault
from vault.settings import VaultSettings, vault_settings
from vault.store import make_store
from vault.writes import WriteHooks


def open_vault(settings: VaultSettings | None = None, *, hooks: WriteHooks | None = None) -> Vault:
    """Migrate the catalogue, open it, pick the object store; one call per process is enough."""
    settings = settings or vault_settings()
    url = settings.resolved_database_url()
    migrate(url)
    return Vault(session_factory(make_engine(url)), make_store(settings), settings, hooks=hooks)
