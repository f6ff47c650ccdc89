"""The access log under concurrent reads: group commits keep every link, in one intact chain, and a bad entry
fails only its own caller (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import event, func, select

from core.types import Actor
from tests.support.concurrency import run_concurrently
from tests.vault.conftest import OTHER_PERSON
from tests.vault.test_catalogue import CITIZEN, HANDLER, OTHER_HANDLER, store
from vault.audit import Link
from vault.db import WriterQueue
from vault.errors import NotFound
from vault.models import AccessLog, AuditHead
from vault.service import Vault

ROOT = Path(__file__).resolve().parents[2]


def _views(vault: Vault, doc_id: str) -> int:
    with vault.sessions() as session:
        query = select(func.count()).where(AccessLog.document_id == doc_id, AccessLog.action == "view")
        return int(session.execute(query).scalar_one())


@contextmanager
def _head_held(vault: Vault) -> Iterator[None]:
    """Hold the chain's head locked (as a long write elsewhere would), so that appends queue up meanwhile."""
    with vault.sessions.begin() as session:
        session.execute(select(AuditHead.seq).where(AuditHead.id == 1).with_for_update()).one()
        yield


def _wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_concurrent_reads_are_all_logged_in_one_intact_chain(vault: Vault) -> None:
    _code, doc_id = store(vault)

    def reader(_thread: int) -> None:
        for _ in range(20):
            vault.get_document(doc_id, HANDLER)

    run_concurrently(12, reader)
    assert _views(vault, doc_id) == 240
    assert vault.verify_audit_chain() == []
    with vault.sessions() as session:
        seqs = session.execute(select(AccessLog.seq).order_by(AccessLog.seq)).scalars().all()
    assert seqs == list(range(1, len(seqs) + 1))


def test_reads_waiting_for_the_log_share_one_commit(vault: Vault) -> None:
    _code, doc_id = store(vault)
    vault.get_document(doc_id, CITIZEN)  # statements compiled, connections open
    writer_commits: list[str] = []

    def count(_connection: object) -> None:
        if threading.current_thread() is not threading.main_thread():  # the readers' commits, not the holder's
            writer_commits.append("commit")

    event.listen(vault.sessions.kw["bind"], "commit", count)
    threads = [threading.Thread(target=vault.get_document, args=(doc_id, HANDLER)) for _ in range(8)]
    with _head_held(vault):
        threads[0].start()
        time.sleep(0.3)  # it leads a commit, whose transaction waits for the head
        for thread in threads[1:]:
            thread.start()
        _wait_until(lambda: vault.access_log.waiting == 7)  # the other seven queue behind it
    for thread in threads:
        thread.join(timeout=30)
    assert _views(vault, doc_id) == 1 + 8
    assert len(writer_commits) == 2  # the first read's transaction, then one for the seven that waited
    assert vault.verify_audit_chain() == []


def test_a_bad_entry_fails_only_its_own_caller(vault: Vault) -> None:
    _code, doc_id = store(vault)
    vault.get_document(doc_id, CITIZEN)
    outcomes: dict[str, BaseException | None] = {}

    def append(name: str, link: Link) -> None:
        try:
            vault.access_log.append([link])
            outcomes[name] = None
        except BaseException as exc:
            outcomes[name] = exc

    bad = Link(Actor("x", HANDLER.role, agency_code=HANDLER.agency_code), None, doc_id)  # type: ignore[arg-type]
    calls = [("first", Link(HANDLER, "view", doc_id)), ("bad", bad), ("last", Link(HANDLER, "view", doc_id))]
    threads = [threading.Thread(target=append, args=call) for call in calls]
    with _head_held(vault):
        threads[0].start()
        time.sleep(0.3)  # it leads a commit, waiting for the head
        for thread in threads[1:]:
            thread.start()
        _wait_until(lambda: vault.access_log.waiting == 2)  # these two will share the next transaction
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes["first"] is None and outcomes["last"] is None
    assert isinstance(outcomes["bad"], sqlalchemy.exc.IntegrityError)  # action may not be empty
    assert _views(vault, doc_id) == 1 + 2  # the warm-up read, first and last
    assert vault.verify_audit_chain() == []


@pytest.mark.parametrize("stranger", [OTHER_HANDLER, CITIZEN], ids=["other agency", "other citizen"])
def test_an_unreadable_document_is_not_logged_as_read(vault: Vault, stranger: Actor) -> None:
    _code, doc_id = store(vault, owner=OTHER_PERSON)
    with pytest.raises(NotFound):
        vault.get_document(doc_id, stranger)
    assert _views(vault, doc_id) == 0


def test_writers_of_two_processes_take_turns(tmp_path: Path) -> None:
    """The writer queue of a SQLite file is shared by every process that writes it (an flock beside it)."""
    lock_file, journal, held = tmp_path / "catalogue.sqlite3.writers", tmp_path / "journal", tmp_path / "held"
    child = f"""
import pathlib, time
from vault.db import WriterQueue
queue = WriterQueue(pathlib.Path({str(lock_file)!r}))
queue.acquire()
journal = pathlib.Path({str(journal)!r})
journal.write_text("child-start\\n")
pathlib.Path({str(held)!r}).touch()
time.sleep(0.5)
journal.write_text(journal.read_text() + "child-end\\n")
queue.release()
"""
    process = subprocess.Popen([sys.executable, "-c", child], env={**os.environ, "PYTHONPATH": str(ROOT)})
    _wait_until(held.exists)
    queue = WriterQueue(lock_file)
    queue.acquire()  # waits for the child's turn to end
    journal.write_text(journal.read_text() + "parent\n")
    queue.release()
    assert process.wait(timeout=30) == 0
    assert journal.read_text().split() == ["child-start", "child-end", "parent"]


def test_the_head_a_checkpoint_signs_is_synced_to_disk_first(vault: Vault) -> None:
    """SQLite syncs commits to disk at WAL checkpoints only (`synchronous=NORMAL`): the head read for a signed
    checkpoint comes after one, so a power cut cannot take back rows a checkpoint vouches for."""
    _code, doc_id = store(vault)
    vault.get_document(doc_id, HANDLER)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = vault.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert vault.audit_chain_head(durable=True) == vault.audit_chain_head()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    synced = [s for s in statements if s.startswith("PRAGMA wal_checkpoint")]
    assert len(synced) == (1 if engine.dialect.name == "sqlite" else 0)  # PostgreSQL: synchronous_commit
    assert not synced or statements[0] == synced[0]  # before the head is read
