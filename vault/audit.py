"""The access log: every read and write of a document, hash-chained so an edited or deleted row is detected.

Each row's hash is SHA-256 over its canonical fields and the previous row's hash; `audit_head` keeps the last
link and is row-locked by each appender, which serialises appends on PostgreSQL and SQLite alike. Reads on the
API's hot path append through `GroupCommitLog`, which shares one write transaction among concurrent requests.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from sqlalchemy import Connection, Dialect, Engine, Table, bindparam, insert, select, update
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.types import Actor
from vault.models import AccessLog, AuditHead, utcnow

GENESIS = "0" * 64


def row_hash(row: Mapping[str, Any] | AccessLog, prev_hash: str) -> str:
    """SHA-256 over the row's canonical JSON (times in UTC, microseconds) and the previous hash; `row` is a
    stored row or the column values of one about to be stored."""
    values = row if isinstance(row, Mapping) else {column: getattr(row, column) for column in _HASHED}
    fields = {column: values[column] for column in _HASHED}
    fields["at"] = values["at"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    fields["prev_hash"] = prev_hash
    return hashlib.sha256(_CANONICAL.encode(fields).encode()).hexdigest()


# What `json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))` writes, without making an
# encoder for every row (that call's options send it the slow way).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_HASHED = (
    "seq",
    "at",
    "subject",
    "role",
    "agency_code",
    "purpose",
    "action",
    "document_id",
    "dossier_code",
    "detail",
)


@dataclass(frozen=True)
class Link:
    """One access-log entry waiting to be chained: who did what to which document or dossier."""

    actor: Actor
    action: str
    document_id: str | None = None
    dossier_code: str | None = None
    detail: str | None = None


def record_access(
    session: Session,
    actor: Actor,
    action: str,
    *,
    document_id: str | None = None,
    dossier_code: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one link to the chain inside the caller's transaction (commits with it)."""
    append_links(session, [Link(actor, action, document_id, dossier_code, detail)])


def append_links(session: Session | Connection, links: Sequence[Link]) -> None:
    """Chain the links, in order, under one lock of the chain's head, in the caller's transaction (a session's,
    or a bare connection's: every read of the API logs, so this is on its hot path, where
    `append_links_on_cursor` does the same with less of SQLAlchemy around it)."""
    if not links:
        return
    seq, prev = session.execute(_HEAD_FOR_UPDATE).one()
    rows, seq, prev = _chained(links, seq, prev)
    session.execute(_INSERT_LINKS, rows)
    session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})


def _chained(links: Sequence[Link], seq: int, prev: str) -> tuple[list[dict[str, Any]], int, str]:
    """The rows of the links chained after the head (`seq`, `prev`), and the new head."""
    now = utcnow()
    rows = []
    for link in links:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            "at": now,
            "subject": link.actor.subject,
            "role": str(link.actor.role),
            "agency_code": link.actor.agency_code,
            "purpose": link.actor.purpose,
            "action": link.action,
            "document_id": link.document_id,
            "dossier_code": link.dossier_code,
            "detail": link.detail,
            "prev_hash": prev,
        }
        prev = row["hash"] = row_hash(row, prev)
        rows.append(row)
    return rows, seq, prev


def append_links_on_cursor(connection: Connection, links: Sequence[Link]) -> None:
    """`append_links` in a bare connection's transaction, its three statements (compiled once per dialect)
    sent on the driver's cursor: the same statements, lock and chain, without SQLAlchemy's per-statement work
    (≈0.1 ms of CPU per read). Driver errors are raised as SQLAlchemy raises them (`IntegrityError`...)."""
    if not links:
        return
    dialect = connection.dialect
    sql = _driver_sql(dialect)
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(sql.head)
        seq, prev = cursor.fetchone()
        rows, seq, prev = _chained(links, seq, prev)
        for row in rows:  # bound as the column's type binds it (naive UTC; text on SQLite)
            row["at"] = sql.bind_at(row["at"])
        if sql.rows_group is None:  # SQLite: executemany is a loop in C, no round trips
            cursor.executemany(sql.insert, rows)
        else:  # a server: one multi-row INSERT (psycopg's executemany would enter and leave a pipeline)
            statement = _rows_insert(sql.insert, sql.rows_group, len(rows))
            cursor.execute(statement, [row[name] for row in rows for name in _INSERTED])
        cursor.execute(sql.move, {**sql.move_fixed, "new_seq": seq, "new_hash": prev})
    except dialect.loaded_dbapi.Error as exc:
        if dialect.is_disconnect(exc, driver, cursor):
            connection.invalidate(exc)
        raise DBAPIError.instance(sql.insert, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()


@dataclass(frozen=True)
class _DriverSql:
    head: str
    insert: str
    move: str
    move_fixed: dict[str, Any]
    bind_at: Callable[[dt.datetime], Any]
    rows_group: str | None  # on a server: one row's `(%s, ...)`, repeated for a multi-row INSERT


_INSERTED = (*_HASHED, "prev_hash", "hash")


@functools.lru_cache(maxsize=64)
def _rows_insert(insert: str, group: str, count: int) -> str:
    """`INSERT ... VALUES (...), (...)` for `count` rows, parameters in `_INSERTED` order row after row."""
    return insert.split(" VALUES ")[0] + " VALUES " + ", ".join([group] * count)


@functools.cache
def _driver_sql(dialect: Dialect) -> _DriverSql:
    """An append's statements for this dialect's driver, with named parameters (`:name` on SQLite, `%(name)s`
    on psycopg), and the bind step of the `at` column."""
    sqlite = dialect.name == "sqlite"
    named = _styled(dialect, "named") if sqlite else dialect
    move = _MOVE_HEAD.compile(dialect=named)
    bind_at = _LOG_TABLE.c.at.type.dialect_impl(dialect).bind_processor(dialect)
    positional = str(_INSERT_LINKS.inline().compile(dialect=_styled(dialect, "format"), column_keys=_INSERTED))
    return _DriverSql(
        head=str(_HEAD_FOR_UPDATE.compile(dialect=named, compile_kwargs={"literal_binds": True})),
        insert=str(_INSERT_LINKS.inline().compile(dialect=named, column_keys=_INSERTED)) if sqlite else positional,
        move=str(move),
        move_fixed={name: value for name, value in move.params.items() if value is not None},
        bind_at=bind_at or (lambda value: value),
        rows_group=None if sqlite else positional.split(" VALUES ", 1)[1],
    )


def _styled(dialect: Dialect, paramstyle: Literal["named", "format"]) -> Dialect:
    """The same dialect writing parameters in another style (`named`: `:name`; `format`: `%s`)."""
    dialect_class = cast("type[DefaultDialect]", type(dialect))
    return dialect_class(paramstyle=paramstyle)


# Plain Core statements on the tables, built once (the ORM's bulk paths would add their bookkeeping to every read).
_HEAD_TABLE: Table = AuditHead.__table__  # type: ignore[assignment]
_HEAD_FOR_UPDATE = select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash).where(_HEAD_TABLE.c.id == 1).with_for_update()
_LOG_TABLE: Table = AccessLog.__table__  # type: ignore[assignment]
_INSERT_LINKS = insert(_LOG_TABLE)
_MOVE_HEAD = (
    update(_HEAD_TABLE).where(_HEAD_TABLE.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
# PostgreSQL runs a data-modifying WITH once whether or not the statement reads it: the rows and the head together.
_MOVED_HEAD = _MOVE_HEAD.returning(_HEAD_TABLE.c.id).cte("moved_head")


@dataclass
class _Waiting:
    links: list[Link]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupCommitLog:
    """Appends the access-log links of many concurrent requests in shared write transactions.

    A caller waits until its links are committed, so nothing is served unrecorded. A caller that finds nothing
    committing and nobody waiting commits at once in its own thread (no hand-over: on a busy host each wake-up
    costs a scheduling delay). Callers arriving while a commit runs wait for the writer thread, which commits all
    of them in the next transaction (one lock of the chain's head, one commit) and, while more keep arriving,
    goes on from one commit to the next without waiting to be woken. A batch that fails is retried link set by
    link set, so one bad entry fails only its own caller.
    """

    def __init__(self, sessions: sessionmaker[Session], max_batch: int = 256) -> None:
        self._engine: Engine = sessions.kw["bind"]  # a bare connection: no ORM session per commit
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending: list[_Waiting] = []  # callers waiting for the writer thread, oldest first
        self._committing = False
        self._writer_pid: int | None = None

    @property
    def waiting(self) -> int:
        """How many callers wait for the next commit."""
        return len(self._pending)

    def append(self, links: Sequence[Link]) -> None:
        """Record the links; returns once they are committed, raises what the commit raised."""
        if not links:
            return
        me = _Waiting(list(links))
        with self._lock:
            self._ensure_writer()
            inline = not self._committing and not self._pending
            if inline:
                self._committing = True
            else:
                self._pending.append(me)
                self._wake.notify()
        if inline:
            try:
                self._commit([me])
            finally:
                with self._lock:
                    self._committing = False
                    if self._pending:
                        self._wake.notify()
        else:
            me.done.wait()
        if me.error is not None:
            raise me.error

    def _ensure_writer(self) -> None:
        """The writer thread of this process (a forked child starts afresh: its parent's thread is not here)."""
        if self._writer_pid == os.getpid():
            return
        self._pending, self._committing = [], False
        threading.Thread(target=self._write_forever, name="sohoa-access-log", daemon=True).start()
        self._writer_pid = os.getpid()

    def _write_forever(self) -> None:
        while True:
            with self._lock:
                while not self._pending or self._committing:
                    self._wake.wait()
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                self._committing = True
            try:
                self._commit(batch)
            finally:
                with self._lock:
                    self._committing = False

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            with self._engine.begin() as connection:
                append_links_on_cursor(connection, [link for waiting in batch for link in waiting.links])
        except BaseException as exc:  # handed to the waiting callers
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for waiting in batch:
                    self._commit([waiting])
                return
        for waiting in batch:
            waiting.done.set()


def verify_chain(session: Session, batch: int = 5000, since: tuple[int, str] = (0, GENESIS)) -> list[int]:
    """Ids of the rows that break the chain (edited, or following a deleted row); [] when intact.

    Rows are read up to the head taken first (appends meanwhile are left for the next run). A deleted last
    row is caught by comparing the chain's end with `audit_head`; it is reported as id 0. `since`: the walk
    starts after that (sequence number, hash) link, e.g. one a signed checkpoint vouches for.
    """
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    bad: list[int] = []
    prev_seq, prev_hash = since
    last_seq = prev_seq
    while last_seq < head_seq:
        query = (
            select(AccessLog)
            .where(AccessLog.seq > last_seq, AccessLog.seq <= head_seq)
            .order_by(AccessLog.seq)
            .limit(batch)
        )
        rows = session.execute(query).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.seq != prev_seq + 1 or row.prev_hash != prev_hash or row.hash != row_hash(row, prev_hash):
                bad.append(row.id)
            prev_hash, prev_seq = row.hash, row.seq
        last_seq = rows[-1].seq
        session.expunge_all()
    if prev_seq != head_seq or prev_hash != head_hash:
        bad.append(0)
    return bad
