"""Alembic environment of the pipeline's tables (own history, version table `alembic_version_ingest`).

Called through `ingest.db.migrate(url)` after the vault's migrations; no alembic.ini is needed.
"""

from __future__ import annotations

from alembic import context

from ingest.models import IngestBase
from vault.db import make_engine

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=IngestBase.metadata,
            version_table="alembic_version_ingest",
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
