"""SQLite's WAL checkpoints taken by a thread of their own, so that no commit pays for one: with SQLite's
automatic checkpoint, the commit that crosses 1,000 WAL pages copies them and syncs the disk while it holds the
write lock, and every writer (the API's access log) waits behind it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

CHECKPOINT_COMMITS = 64  # commits after which the thread checkpoints at once (≈ SQLite's 1,000 pages or fewer)
CHECKPOINT_SECONDS = 1.0  # a commit waits at most this long before a checkpoint syncs it to disk


class WalCheckpointer:
    """Checkpoints one database file's WAL (`PRAGMA wal_checkpoint(PASSIVE)`, as SQLite's automatic checkpoint
    does) after commits of this process: at once after `every_commits`, else within `within_seconds` of the first
    one not yet checkpointed. Its connections run with `wal_autocheckpoint=0` (`vault.db.make_engine`). A PASSIVE
    checkpoint takes no write lock: commits go on beside it. A forked child starts a thread of its own."""

    def __init__(
        self, path: Path, every_commits: int = CHECKPOINT_COMMITS, within_seconds: float = CHECKPOINT_SECONDS
    ) -> None:
        self._path = path
        self._every = every_commits
        self._within = within_seconds
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending = 0
        self._pid: int | None = None
        self.checkpoints = 0  # how many this process took (tests, benchmarks)

    def committed(self) -> None:
        """One commit of this process is in the WAL, not yet checkpointed."""
        with self._lock:
            if self._pid != os.getpid():
                self._pending, self._pid = 0, os.getpid()
                threading.Thread(target=self._run, name="sohoa-wal-checkpoint", daemon=True).start()
            self._pending += 1
            if self._pending == 1 or self._pending >= self._every:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending:
                    self._wake.wait()
                if self._pending < self._every:  # a few commits: let more come, up to the time allowed
                    self._wake.wait_for(lambda: self._pending >= self._every, timeout=self._within)
                self._pending = 0
            self.checkpoint()

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint on a connection of its own, closed after (no descriptor kept between rounds)."""
        try:
            connection = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.checkpoints += 1
            finally:
                connection.close()
        except sqlite3.Error:  # busy (another checkpoint runs), or the file is gone: the next round catches up
            pass
