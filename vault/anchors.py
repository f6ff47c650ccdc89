"""Anchors of the access log in the object store: the chain's head at a moment, kept as a signed checkpoint object
under permanent retention, and the comparison of the chain with the heads that earlier checkpoints recorded.

The vault stores and lists the checkpoint objects; what is inside them (a signed payload) is the caller's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vault.audit import GENESIS
from vault.errors import ObjectMissing
from vault.models import AccessLog, AuditHead
from vault.retention import PERMANENT_UNTIL
from vault.store.base import ObjectStore

CHECKPOINT_PREFIX = "audit/checkpoints/"


@dataclass(frozen=True)
class ChainHead:
    """A link of the chain: its sequence number (0: the empty chain) and hash."""

    seq: int
    hash: str


@dataclass(frozen=True)
class StoredCheckpoint:
    """One version of a checkpoint object, its bytes as stored."""

    key: str
    version_id: str
    data: bytes


def chain_head(session: Session) -> ChainHead:
    """The head the appenders keep (`audit_head`), the empty chain when nothing was logged yet."""
    head = session.get(AuditHead, 1)
    return ChainHead(head.seq, head.hash) if head else ChainHead(0, GENESIS)


def last_row(session: Session) -> ChainHead:
    """The last row actually in the log (its end may have been cut off below the head a checkpoint recorded)."""
    seq = session.execute(select(func.max(AccessLog.seq))).scalar()
    if seq is None:
        return ChainHead(0, GENESIS)
    return ChainHead(seq, session.execute(select(AccessLog.hash).where(AccessLog.seq == seq)).scalar_one())


def hash_at(session: Session, seq: int) -> str | None:
    """The stored hash of row `seq` (the genesis hash for 0), None when there is no such row."""
    if seq == 0:
        return GENESIS
    found: str | None = session.execute(select(AccessLog.hash).where(AccessLog.seq == seq)).scalar()
    return found


def checkpoint_key(seq: int, at: dt.datetime) -> str:
    """`audit/checkpoints/<seq, 15 digits>-<UTC time>.p7m`: listed in chain order."""
    return f"{CHECKPOINT_PREFIX}{seq:015d}-{at.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}.p7m"


def store_checkpoint(store: ObjectStore, key: str, blob: bytes) -> str:
    """Write the checkpoint object once, under permanent COMPLIANCE retention; its version id.
    A second write to the key is refused (`ObjectLocked`): the store checks the latest version's lock first."""
    return store.put(key, blob, retain_until=PERMANENT_UNTIL).version_id


def latest_checkpoint(store: ObjectStore) -> StoredCheckpoint | None:
    """The checkpoint of the highest row (its first version: the one the vault wrote), None before the first."""
    keys = {obj.key for obj in store.iter_objects(CHECKPOINT_PREFIX)}
    if not keys:
        return None
    key = max(keys)
    first = store.versions(key)[-1]
    return _read(store, key, first.version_id)


def _read(store: ObjectStore, key: str, version_id: str) -> StoredCheckpoint:
    with store.open(key, version_id, store.digest(key, version_id)) as content:
        return StoredCheckpoint(key, version_id, content.read())


def stored_checkpoints(store: ObjectStore, *, newest_first: bool = False) -> Iterator[StoredCheckpoint]:
    """Every version of every checkpoint object, in key order (oldest version first within a key), read one at
    a time as the caller goes on."""
    versions = sorted(store.iter_objects(CHECKPOINT_PREFIX), key=lambda o: (o.key, o.version_id))
    for obj in reversed(versions) if newest_first else versions:
        try:
            yield _read(store, obj.key, obj.version_id)
        except ObjectMissing:
            continue
