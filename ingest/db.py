"""The pipeline's database access: the vault's engine and session factory, plus this stage's migrations.

The pipeline's tables live in the catalogue database, so one URL (`SOHOA_VAULT_DATABASE_URL`) serves both.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session, sessionmaker

from vault.db import make_engine, session_factory
from vault.db import migrate as migrate_vault

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(url: str) -> None:
    """Bring the vault catalogue and then the pipeline's tables at `url` to their newest schema."""
    migrate_vault(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "heads")  # stage features may add sibling branches


@lru_cache(maxsize=4)
def sessions(url: str) -> sessionmaker[Session]:
    """One engine and session factory per process and database URL."""
    return session_factory(make_engine(url))
