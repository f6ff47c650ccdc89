"""The door's upkeep and reports: the access log's hash chain, the store-catalogue check (fsck) and the
digitisation indicators of Decision 766.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import text

from core.types import Actor, Role
from vault.anchors import (
    ChainHead,
    StoredCheckpoint,
    chain_head,
    hash_at,
    last_row,
    latest_checkpoint,
    store_checkpoint,
    stored_checkpoints,
)
from vault.audit import GENESIS, verify_chain
from vault.base import VaultBase
from vault.errors import Forbidden, NotFound
from vault.fsck import run_fsck
from vault.indicators import DigitisationStats, digitisation_stats, rollup
from vault.records import FsckReport
from vault.stats_store import StoredReport, report_months, store_report, stored_reports

STATS_READERS = (Role.ADMIN, Role.PORTAL, Role.HANDLER)


class Upkeep(VaultBase):
    """Integrity checks and indicators, behind the `Vault` door."""

    def verify_audit_chain(self, since: ChainHead | None = None) -> list[int]:
        """Ids of access-log rows that break the hash chain ([] when intact; 0 means rows cut off the end);
        `since`: walk only after that link (one a verified checkpoint vouches for)."""
        with self.reader() as session:
            return verify_chain(session, since=(since.seq, since.hash) if since else (0, GENESIS))

    def audit_chain_head(self, *, durable: bool = False) -> ChainHead:
        """The access log's head as its appenders keep it. `durable` (before a checkpoint signs it): on SQLite,
        whose commits are synced to disk only at WAL checkpoints (`synchronous=NORMAL`, docs/deploy.md), a WAL
        checkpoint first, which syncs every committed row, so no signed head can be lost to a power cut."""
        with self.reader() as session:
            if durable and session.get_bind().dialect.name == "sqlite":
                session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
            return chain_head(session)

    def audit_chain_end(self) -> ChainHead:
        """The last row actually in the access log."""
        with self.reader() as session:
            return last_row(session)

    def audit_hash_at(self, seq: int) -> str | None:
        """The stored hash of access-log row `seq` (None: no such row)."""
        with self.reader() as session:
            return hash_at(session, seq)

    def store_audit_checkpoint(self, key: str, blob: bytes) -> str:
        """Write a checkpoint object once under permanent retention (`vault.anchors`); its version id."""
        return store_checkpoint(self.store, key, blob)

    def latest_audit_checkpoint(self) -> StoredCheckpoint:
        """The newest checkpoint, for anyone to keep a copy of (it holds no personal data); `NotFound` before
        the first one."""
        found = latest_checkpoint(self.store)
        if found is None:
            raise NotFound("no checkpoint of the access log yet")
        return found

    def audit_checkpoints(self, *, newest_first: bool = False) -> Iterator[StoredCheckpoint]:
        """Every stored version of every checkpoint object, in chain order (or newest first), read lazily."""
        return stored_checkpoints(self.store, newest_first=newest_first)

    def fsck(
        self, repair: bool = False, grace_seconds: float | None = None, *, verify_hashes: bool = True
    ) -> FsckReport:
        """Check store and catalogue agree (see `vault.fsck`); safe to run any time.

        `verify_hashes=False` only checks that each version exists (no full read of every object)."""
        grace = self.settings.fsck_grace_seconds if grace_seconds is None else grace_seconds
        return run_fsck(self.sessions, self.store, repair=repair, grace_seconds=grace, verify_hashes=verify_hashes)

    def digitisation_stats(
        self,
        actor: Actor,
        agency_code: str | None,
        date_from: dt.date | None,
        date_to: dt.date | None,
        failed_codes: frozenset[str] = frozenset(),
    ) -> DigitisationStats:
        """Decision 766 indicators for admins, the portal, and handlers (of their own agency, the default);
        `failed_codes`: dossiers whose scan batch failed (ingest knows them), never counted as digitised."""
        agency_code = _stats_scope(actor, agency_code)
        with self.reader() as session:
            return digitisation_stats(session, agency_code, date_from, date_to, failed_codes)

    def indicator_rollup(
        self,
        actor: Actor,
        level: str,
        under: str | None,
        date_from: dt.date | None,
        date_to: dt.date | None,
        failed_codes: frozenset[str] = frozenset(),
    ) -> list[DigitisationStats]:
        """The indicators per unit at `level` (`province`, `district`, `commune`: the code's levels 1-3) under
        `under` (a handler: its own agency's units only)."""
        under = _stats_scope(actor, under)
        with self.reader() as session:
            return rollup(session, level, under, date_from, date_to, failed_codes)

    def store_stats_report(self, month: str, name: str, blob: bytes) -> str:
        """Write one file of the month's indicator report once, under permanent retention; its version id."""
        return store_report(self.store, month, name, blob)

    def stats_report_months(self, actor: Actor) -> list[str]:
        _stats_scope(actor, None)
        return report_months(self.store)

    def stats_report(self, actor: Actor, month: str) -> list[StoredReport]:
        """The stored files of the month's report (no personal data in them: aggregate figures only)."""
        _stats_scope(actor, None)
        return stored_reports(self.store, month)


def _stats_scope(actor: Actor, agency_code: str | None) -> str | None:
    """The agency whose figures the actor may read: a handler its own, admins and the portal any."""
    if actor.role is Role.HANDLER:
        if agency_code not in (None, actor.agency_code):
            raise Forbidden("a handler reads the statistics of its own agency")
        return actor.agency_code
    if actor.role not in STATS_READERS:
        raise Forbidden("the statistics are for administrators, handlers and the portal")
    return agency_code
