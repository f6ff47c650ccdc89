"""Catalogue upgrades with data in it: both migration chains at their first released revision, a row in every
table, then `sohoa migrate` to this release, on SQLite and on PostgreSQL. Every row is still there, unchanged,
and this release's models read all of them (columns added since are NULL, e.g. a version's signature level); a
process with auto-migration off refuses the old schema first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import JSON, Engine, MetaData, Table, insert, select
from sqlalchemy.orm import Session

from ingest.db import CHAINS, INGEST_CHAIN, migrate
from ingest.models import IngestBase
from tests.support.pgschema import private_schema
from tests.vault.conftest import PG_URL
from vault.db import make_engine
from vault.models import Base
from vault.schema import VAULT_CHAIN, SchemaOutOfDate, missing_revisions, prepare

# The first released revision of each chain.
FIRST = {VAULT_CHAIN: "0001", INGEST_CHAIN: "ingest_0001"}
VERSION_TABLES = {"alembic_version", "alembic_version_ingest"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
        return
    with private_schema(PG_URL, "upgrade_test", migrated=False) as url:
        yield url


def _value(column: Any, table: str, row_values: dict[tuple[str, str], Any]) -> Any:
    """A value of the column's type, or the referenced row's value for a foreign key."""
    for key in column.foreign_keys:
        return row_values[(key.column.table.name, key.column.name)]
    if isinstance(column.type, JSON):
        return {"họ_tên": "Nguyễn Văn An", "trang": [1, 2]}
    python_type = column.type.python_type
    if python_type is int:
        return 1
    if python_type is bool:
        return True
    if python_type is dt.datetime:
        return dt.datetime(2026, 11, 22, 8, 30, 15)
    if python_type is dt.date:
        return dt.date(2026, 11, 22)
    text = f"{table}.{column.name} đã số hóa"
    length = getattr(column.type, "length", None)
    return text[:length] if length else text


def _seed(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """A row in every table of the old schema (in foreign-key order); every table's rows as they are then."""
    metadata = MetaData()
    metadata.reflect(engine)
    values: dict[tuple[str, str], Any] = {}
    tables = [table for table in metadata.sorted_tables if table.name not in VERSION_TABLES]
    with engine.begin() as connection:
        for table in tables:
            existing = connection.execute(select(table)).mappings().first()
            row = dict(existing) if existing else {c.name: _value(c, table.name, values) for c in table.columns}
            if not existing:
                connection.execute(insert(table).values(row))
            values |= {(table.name, name): value for name, value in row.items()}
    return {table.name: _rows(engine, table) for table in tables}


def _rows(engine: Engine, table: Table) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(table)).mappings()]


def test_upgrade_from_the_first_release_keeps_every_row(empty_url: str) -> None:
    for chain, revision in FIRST.items():
        command.upgrade(chain.config(empty_url), revision)
    engine = make_engine(empty_url)
    try:
        before = _seed(engine)
        assert len(before) == 13 and all(rows for rows in before.values()), before.keys()
        assert before["documents"][0]["extracted_fields"] == {"họ_tên": "Nguyễn Văn An", "trang": [1, 2]}
        with pytest.raises(SchemaOutOfDate, match=r"vault needs [^;]+; ingest needs .*sohoa migrate"):
            prepare(empty_url, CHAINS, auto_migrate=False)

        migrate(empty_url)  # what `sohoa migrate` runs

        assert all(missing_revisions(empty_url, chain) == [] for chain in CHAINS)
        prepare(empty_url, CHAINS, auto_migrate=False)  # a process with auto-migration off now starts
        after = MetaData()
        after.reflect(engine)
        for name, rows in before.items():
            now = _rows(engine, after.tables[name])
            assert [{k: row[k] for k in rows[0]} for row in now] == rows, name
        # a version stored before levels were kept has none: the long-term job reads its file once (docs/signing.md)
        assert [row["signature_level"] for row in _rows(engine, after.tables["document_versions"])] == [None]
        with Session(engine) as session:
            for mapper in [*Base.registry.mappers, *IngestBase.registry.mappers]:
                model = mapper.class_
                if mapper.local_table.name in before:
                    loaded = session.scalars(select(model)).all()
                    assert len(loaded) == len(before[mapper.local_table.name]), model
    finally:
        engine.dispose()


def test_migrate_is_idempotent_and_a_fresh_catalogue_is_current(empty_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match=r"vault needs [^;]+;"):
        prepare(empty_url, CHAINS, auto_migrate=False)
    migrate(empty_url)
    migrate(empty_url)
    assert [missing_revisions(empty_url, chain) for chain in CHAINS] == [[], []]
