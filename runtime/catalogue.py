"""The catalogue and the vault of this process, built once from settings: the catalogue database migrated (the
vault's tables, then the pipeline's and issuing tables), the object store chosen.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from core.settings import core_settings
from ingest.db import prepare_catalogue, sessions
from ingest.portal_tasks import kick
from issuing.portal import portal_settings
from runtime.celery_app import celery_app
from vault import outbox
from vault.db import make_engine, session_factory
from vault.schema import VAULT_CHAIN, prepare
from vault.service import Vault
from vault.settings import VaultSettings, vault_settings
from vault.store import make_store
from vault.writes import WriteHooks


@lru_cache(maxsize=1)
def catalogue() -> sessionmaker[Session]:
    """Session factory on the catalogue database, migrated (or checked) on first use (`SOHOA_AUTO_MIGRATE`)."""
    url = vault_settings().resolved_database_url()
    prepare_catalogue(url, auto_migrate=core_settings().migrate_on_start)
    factory = sessions(url)
    # With a portal, the outbox is written and its delivery task sent (on this process's `celery_app`) after each
    # commit that wrote messages.
    if portal_settings().sync_url and celery_app:
        outbox.enable(factory)
        outbox.on_commit(factory, kick)
    return factory


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


def open_vault(settings: VaultSettings | None = None, *, hooks: WriteHooks | None = None) -> Vault:
    """A Vault on its own engine: the vault's catalogue migrated (or checked), the object store chosen (vault
    commands)."""
    settings = settings or vault_settings()
    url = settings.resolved_database_url()
    prepare(url, [VAULT_CHAIN], auto_migrate=core_settings().migrate_on_start)
    return Vault(session_factory(make_engine(url)), make_store(settings), settings, hooks=hooks)
