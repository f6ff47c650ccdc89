"""The pipeline's database access: the vault's engine and session factory, plus this stage's migrations.

The pipeline's tables live in the catalogue database, so one URL (`SOHOA_VAULT_DATABASE_URL`) serves both.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from vault.db import make_engine, session_factory
from vault.schema import VAULT_CHAIN, Chain, prepare, upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
# The pipeline's tables have their own history (stage features may add sibling branches), after the vault's.
INGEST_CHAIN = Chain("ingest", MIGRATIONS, "alembic_version_ingest")
CHAINS = (VAULT_CHAIN, INGEST_CHAIN)


def migrate(url: str) -> None:
    """Bring the vault catalogue and then the pipeline's tables at `url` to their newest schema."""
    upgrade(url, CHAINS)


def prepare_catalogue(url: str, *, auto_migrate: bool) -> None:
    """Migrate both chains, or (`auto_migrate` off) refuse to go on when either is behind this release."""
    prepare(url, CHAINS, auto_migrate=auto_migrate)


@lru_cache(maxsize=4)
def sessions(url: str) -> sessionmaker[Session]:
    """One engine and session factory per process and database URL."""
    return session_factory(make_engine(url))
