"""Build a ready `Vault` from settings: catalogue migrated, engine and sessions, object store chosen.

`open_vault()` is what the CLI, the pipeline and the API call.
"""

from __future__ import annotations

from core.settings import core_settings
from vault.db import make_engine, session_factory
from vault.schema import VAULT_CHAIN, prepare
from vault.service import Vault
from vault.settings import VaultSettings, vault_settings
from vault.store import make_store
from vault.writes import WriteHooks


def open_vault(settings: VaultSettings | None = None, *, hooks: WriteHooks | None = None) -> Vault:
    """Migrate the catalogue (or check it is current), open it, pick the object store; once per process."""
    settings = settings or vault_settings()
    url = settings.resolved_database_url()
    prepare(url, [VAULT_CHAIN], auto_migrate=core_settings().migrate_on_start)
    return Vault(session_factory(make_engine(url)), make_store(settings), settings, hooks=hooks)
