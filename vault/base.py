"""What every part of the vault door shares: the catalogue sessions (writer and reader), the object store, the
settings, the write hooks and the group-committed access log.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vault.audit import GroupCommitLog
from vault.db import reader_engine
from vault.settings import VaultSettings
from vault.store.base import ObjectStore
from vault.writes import WriteHooks


class VaultBase:
    """The state behind the door; the parts (`vault.dossiers`, `vault.documents`, ...) add the methods."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: ObjectStore,
        settings: VaultSettings,
        *,
        hooks: WriteHooks | None = None,
    ) -> None:
        self.sessions = sessions
        # Single-statement reads: sessions, and bare connections for the API's hottest reads (a dossier, a
        # document's record: Core rows, no ORM session or identity map).
        self.read_engine: Engine = reader_engine(sessions.kw["bind"])
        self.reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self.store = store
        self.settings = settings
        self.hooks = hooks or WriteHooks()
        self.access_log = GroupCommitLog(sessions)
        self._partition_key = settings.partition_key()
