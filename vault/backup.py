"""Backups that restore: the catalogue (every table, as JSON lines), every object version the catalogue names
(content-addressed by SHA-256, so a second backup into the same folder copies only new versions), a manifest of
those versions with their hashes, and the installation's keys sealed with the operator's passphrase.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, Table, func, insert, select, text
from sqlalchemy.orm import Session

from vault.backup_codec import decode_row, encode_row, open_keys, seal_keys
from vault.search import catch_up
from vault.store.base import ObjectStore

FORMAT = 1
# Rebuilt after a restore (the search index) or written by the migrations (their version tables).
SKIPPED_PREFIXES = ("search_", "alembic_version")
MANIFEST_FIELDS = ("object_key", "object_version_id", "sha256", "size", "retain_until", "legal_hold")


class BackupError(RuntimeError):
    """The backup or the restore target is not what the operation needs; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    tables: dict[str, int]
    object_versions: int
    objects_copied: int  # new content this run (an incremental backup copies only these)
    bytes_copied: int
    seconds: float


def _tables(engine: Engine) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(engine)
    return [t for t in metadata.sorted_tables if not t.name.startswith(SKIPPED_PREFIXES)]


def _revisions(engine: Engine) -> dict[str, list[str]]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(row[0] for row in connection.execute(select(table)))
            for name, table in metadata.tables.items()
            if name.startswith("alembic_version")
        }


def _object_path(root: Path, sha256: str) -> Path:
    return root / "objects" / sha256[:2] / sha256


def create_backup(
    engine: Engine, store: ObjectStore, target: Path, keys: dict[str, bytes], passphrase: str
) -> BackupReport:
    """Write a backup of the catalogue at `engine` and the objects of `store` into `target` (kept objects reused)."""
    started = time.monotonic()
    target.mkdir(parents=True, exist_ok=True)
    catalogue = target / "catalogue"
    shutil.rmtree(catalogue, ignore_errors=True)
    catalogue.mkdir()
    counts: dict[str, int] = {}
    versions: list[dict[str, Any]] = []
    tables = _tables(engine)  # before the snapshot: on SQLite a second connection would wait for it
    with engine.connect() as connection, connection.begin():  # one snapshot of every table
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        for table in tables:
            with (catalogue / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
                rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
                counts[table.name] = 0
                for mapping in rows:
                    row = dict(mapping)
                    out.write(json.dumps(encode_row(row), ensure_ascii=False) + "\n")
                    counts[table.name] += 1
                    if table.name == "document_versions":
                        versions.append(row)
    copied = copied_bytes = 0
    with (target / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        for row in versions:
            path = _object_path(target, row["sha256"])
            if not path.exists():  # content-addressed: an object kept by an earlier backup is not copied again
                copied_bytes += _copy_out(store, row, path)
                copied += 1
            entry = {
                k: row[k] for k in ("object_key", "object_version_id", "sha256", "size", "retain_until", "legal_hold")
            }
            manifest.write(json.dumps(encode_row(entry)) + "\n")
    (target / "keys.sealed").write_text(json.dumps(seal_keys(keys, passphrase)))
    report = BackupReport(counts, len(versions), copied, copied_bytes, time.monotonic() - started)
    about = {"format": FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat(), "revisions": _revisions(engine)}
    (target / "backup.json").write_text(json.dumps(about | {"report": asdict(report)}, indent=2))
    return report


def _copy_out(store: ObjectStore, row: dict[str, Any], path: Path) -> int:
    """Copy one version, verified against its SHA-256 while read, into `path` (written aside, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    content = store.open(row["object_key"], row["object_version_id"], row["sha256"])
    try:
        with partial.open("wb") as out:
            for chunk in content:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    finally:
        content.close()
    partial.rename(path)
    return int(row["size"])


def backup_keys(source: Path, passphrase: str) -> dict[str, bytes]:
    """The keys sealed in a backup (a wrong passphrase raises SealError)."""
    return open_keys(json.loads((source / "keys.sealed").read_text()), passphrase)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield decode_row(json.loads(line))


def restore_backup(source: Path, engine: Engine, store: ObjectStore) -> dict[str, int]:
    """Restore onto an empty, migrated catalogue and an empty store; rows restored per table."""
    about = json.loads((source / "backup.json").read_text())
    if about["format"] != FORMAT:
        raise BackupError(f"backup format {about['format']} is not {FORMAT}")
    if about["revisions"] != _revisions(engine):
        raise BackupError(
            f"the backup's schema {about['revisions']} is not this catalogue's {_revisions(engine)}: restore with "
            "the release that made the backup, then upgrade"
        )
    tables = _tables(engine)
    with engine.connect() as connection:
        filled = [
            t.name for t in tables if t.name != "audit_head" and connection.scalar(select(func.count()).select_from(t))
        ]
    if filled or next(iter(store.iter_objects()), None) is not None:
        raise BackupError(f"restore needs an empty system; not empty: {', '.join(filled) or 'the object store'}")
    # Objects first, each verified against the manifest's hash; the store gives each a new version id.
    new_version: dict[tuple[str, str], str] = {}
    now = dt.datetime.now(dt.UTC)
    for entry in _lines(source / "manifest.jsonl"):
        until = entry["retain_until"]
        until = until.replace(tzinfo=dt.UTC) if until is not None and until.tzinfo is None else until
        with _object_path(source, entry["sha256"]).open("rb") as content:
            stored = store.put(
                entry["object_key"],
                content,
                entry["size"],
                retain_until=until if until is not None and until > now else None,
                legal_hold=bool(entry["legal_hold"]),
            )
        if stored.sha256 != entry["sha256"]:
            raise BackupError(f"{entry['object_key']}: the backup's copy fails its SHA-256")
        new_version[(entry["object_key"], entry["object_version_id"])] = stored.version_id
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        for table in tables:
            rows = list(_lines(source / "catalogue" / f"{table.name}.jsonl"))
            if table.name == "document_versions":
                for row in rows:
                    row["object_version_id"] = new_version[(row["object_key"], row["object_version_id"])]
            if table.name == "audit_head":
                connection.execute(table.delete())  # the migration's genesis link, replaced by the backup's head
            if rows:
                connection.execute(insert(table), rows)
            counts[table.name] = len(rows)
        if engine.dialect.name == "postgresql":
            _advance_sequences(connection, tables)
    with Session(engine) as session, session.begin():
        catch_up(session)  # the search index, rebuilt from the restored documents
    return counts


def _advance_sequences(connection: Any, tables: list[Table]) -> None:
    """Restored rows keep their ids; PostgreSQL's sequences must continue after them."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if sequence:
                connection.execute(
                    text(
                        f'SELECT setval(:s, COALESCE((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, false)'
                    ),
                    {"s": sequence},
                )
