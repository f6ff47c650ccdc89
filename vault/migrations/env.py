"""Alembic environment of the vault catalogue: runs migrations online against the configured URL.

Called through `vault.db.migrate(url)`; no alembic.ini is needed.
"""

from __future__ import annotations

from alembic import context

from vault.db import make_engine
from vault.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=url.startswith("sqlite")
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
