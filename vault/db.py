"""Catalogue database: engine (SQLite WAL by default, PostgreSQL in production), sessions, migrations.

`migrate(url)` applies the Alembic migrations in `vault/migrations/` programmatically (fresh data dirs work).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from vault.wal import WalCheckpointer

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = "sohoa_read_only"  # execution option of reader connections on SQLite
IDLE_PING_SECONDS = 1.0  # a pooled server connection idle longer than this is pinged before it is handed out


class WriterQueue:
    """Where the writers of one SQLite file wait their turn: threads of a process on a lock, processes (API
    processes, pipeline workers) on an exclusive `flock` of a file beside the database. Both wake a waiter as
    soon as the lock is free, where SQLite's busy handler polls, sleeping up to 100 ms between tries."""

    def __init__(self, path: Path | None) -> None:
        self._threads = threading.Lock()
        self._path = path
        self._fd = -1
        self._pid = -1

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            if self._path is not None:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            if self._path is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self) -> int:
        if self._pid != os.getpid():  # a forked child opens its own: a shared descriptor would share the lock
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)  # type: ignore[arg-type]
            self._pid = os.getpid()
        return self._fd


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine; on SQLite: WAL, foreign keys, a busy timeout and `BEGIN IMMEDIATE` transactions.

    `BEGIN IMMEDIATE` takes SQLite's write lock when a transaction starts, so concurrent writers queue instead of
    failing when a read lock cannot be upgraded. They queue on a `WriterQueue` first, so that SQLite's own lock
    is free when they ask for it.
    """
    if not url.startswith("sqlite"):
        # Ten kept per process; bursts (the API's thread pool) may open up to thirty more, closed after use.
        server = create_engine(url, **({"pool_size": 10, "max_overflow": 30} | kwargs))
        _ping_when_idle(server, IDLE_PING_SECONDS)
        return server
    # In-process connections are cheap to keep but not to open (the pragmas below): keep one per thread that
    # may want one (the API's thread pool has 40), so that no request pays for opening and closing one.
    pool = {"pool_size": 48, "max_overflow": 16} if ":memory:" not in url else {}
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None}, **(pool | kwargs))
    database = engine.url.database
    on_file = bool(database) and database != ":memory:" and not str(database).startswith("file:")
    checkpointer = WalCheckpointer(Path(database)) if on_file else None  # type: ignore[arg-type]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if checkpointer is not None:  # checkpoints are its thread's, never a commit's (vault/wal.py)
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    write_lock = WriterQueue(Path(f"{database}.writers") if database and database != ":memory:" else None)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(READ_ONLY) or options.get("isolation_level") == "AUTOCOMMIT":
            return  # the driver is in autocommit mode: each read statement sees the newest committed state
        write_lock.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            write_lock.release()
            raise
        connection.info["sohoa_write_lock"] = True

    def _finish(connection: Any, statement: str) -> None:
        # The events fire before the driver's commit/rollback, which is a no-op once this statement ran.
        if connection.info.pop("sohoa_write_lock", False):
            try:
                connection.exec_driver_sql(statement)
            finally:
                write_lock.release()
            if checkpointer is not None and statement == "COMMIT":
                checkpointer.committed()

    event.listen(engine, "commit", lambda connection: _finish(connection, "COMMIT"))
    event.listen(engine, "rollback", lambda connection: _finish(connection, "ROLLBACK"))
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """`pool_pre_ping` for connections that sat in the pool longer than `idle_seconds` only: a dead one (server
    restarted, idle timeout) is replaced before use, while a busy pool, whose connections come back within
    milliseconds, pays no round trip per checkout (two per API read: the read and its access-log commit)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["sohoa_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("sohoa_idle_since", None)  # None: opened just now
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:  # the pool discards it and hands out a new one
            raise DisconnectionError(f"pooled connection dead after {time.monotonic() - since:.0f} s idle") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def reader_engine(engine: Engine) -> Engine:
    """The engine for single-statement reads: autocommit, so no BEGIN/ROLLBACK round trips and, on SQLite,
    no write lock (readers run beside writers under WAL). On SQLite the driver is in autocommit mode already:
    a flag tells `make_engine` not to begin, where switching isolation levels would cost every checkout."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{READ_ONLY: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


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
