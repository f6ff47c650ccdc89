"""A migrated, empty catalogue in a private PostgreSQL schema, dropped afterwards: tests and benchmarks that
share one database server never see each other's rows."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from vault.db import migrate


@contextmanager
def private_schema(server_url: str, prefix: str, *, migrated: bool = True) -> Iterator[str]:
    """Yield a catalogue URL whose search path is a new schema `<prefix>_<random>` on `server_url`
    (migrated to the newest vault schema, or left empty)."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{server_url}?options=-csearch_path%3D{schema}"
        if migrated:
            migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
