"""The pipeline's database access: the vault's engine and session factory, plus this stage's migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from vault.db import migrate as migrate_vault

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(url: str) -> None:
    """Bring the vault catalogue and then the pipeline's tables at `url` to their newest schema."""
    migrate_vault(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
