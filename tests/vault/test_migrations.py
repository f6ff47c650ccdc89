"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and the
newest one downgrades and upgrades cleanly.
"""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from vault.db import alembic_config, make_engine, migrate
from vault.models import Base


def _drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    return [d for d in diff if "search_" not in str(d)]  # the search index tables are raw SQL (vault.search)


def test_migrations_match_the_models(db_url: str) -> None:
    assert _drift(db_url) == []
    command.downgrade(alembic_config(db_url), "-1")
    migrate(db_url)
    assert _drift(db_url) == []
