"""Catalogue database: engine (SQLite WAL by default, PostgreSQL in production), sessions, migrations.

`migrate(url)` applies the Alembic migrations in `vault/migrations/` programmatically (fresh data dirs work).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine; on SQLite: WAL, foreign keys, a busy timeout and `BEGIN IMMEDIATE` transactions.

    `BEGIN IMMEDIATE` takes SQLite's write lock when a transaction starts, so concurrent writers queue on the
    busy timeout instead of failing when a read lock cannot be upgraded.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def reader_factory(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for single-statement reads: autocommit, so no BEGIN/ROLLBACK round trips and, on SQLite,
    no write lock (readers run beside writers under WAL)."""
    engine: Engine = sessions.kw["bind"]
    return sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the catalogue at `url` to the newest schema (idempotent)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")
