"""Alembic environment of the pipeline's and the issuing tables (one history, version table
`alembic_version_ingest`, which existing databases already carry).

Called through `ingest.db.migrate(url)` after the vault's migrations; no alembic.ini is needed. The chain
created the issuing tables (certification registers, webhooks, long-term state) while they lived in `ingest`;
they moved to `issuing` with their own declarative base, and the chain keeps upgrading both metadatas.
"""

from __future__ import annotations

from alembic import context

from ingest.models import IngestBase
from issuing.models import IssuingBase
from vault.db import make_engine

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=[IngestBase.metadata, IssuingBase.metadata],
            version_table="alembic_version_ingest",
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
