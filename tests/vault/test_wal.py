"""SQLite's WAL is checkpointed by a thread of its own (`vault.wal`), never by a commit: the catalogue's
connections run with `wal_autocheckpoint=0`, and the committed pages still reach the database file soon after.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from vault.db import make_engine
from vault.wal import WalCheckpointer

BLOB = 2 * 1024 * 1024  # 512 pages of 4 KiB


def _wait_for(predicate: object, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_commits_do_not_checkpoint_and_the_thread_does(tmp_path: Path) -> None:
    database = tmp_path / "catalogue.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 0
        connection.execute(text("CREATE TABLE blobs (data BLOB)"))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO blobs VALUES (randomblob(:n))"), {"n": BLOB})
    # The pages were committed to the WAL; within the checkpointer's second they are in the database file too.
    assert _wait_for(lambda: database.stat().st_size > BLOB)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT length(data) FROM blobs")).scalar_one() == BLOB
    engine.dispose()


def test_the_checkpointer_runs_at_once_after_enough_commits(tmp_path: Path) -> None:
    database = tmp_path / "plain.db"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE blobs (data BLOB)")
    writer.execute("INSERT INTO blobs VALUES (randomblob(?))", (BLOB,))
    assert database.stat().st_size < BLOB  # in the WAL only: nobody checkpointed
    checkpointer = WalCheckpointer(database, every_commits=3, within_seconds=3600)
    for _ in range(3):
        checkpointer.committed()
    assert _wait_for(lambda: checkpointer.checkpoints == 1)  # not after the hour: at the third commit
    assert database.stat().st_size > BLOB
    writer.close()


def test_a_checkpoint_of_a_file_gone_is_no_error(tmp_path: Path) -> None:
    checkpointer = WalCheckpointer(tmp_path / "gone" / "catalogue.db")
    checkpointer.checkpoint()
    assert checkpointer.checkpoints == 0
