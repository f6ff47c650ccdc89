"""`sohoa vault fsck`: store and catalogue agree — intents repaired; missing objects, bad hashes, orphans.

Safe any time: intents younger than the grace period belong to writes in progress and are left alone;
locked orphans (retention) are only reported, since the store refuses to delete them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vault.anchors import CHECKPOINT_PREFIX
from vault.errors import IntegrityError, ObjectLocked, ObjectMissing, VaultError
from vault.models import DocumentVersion, PendingWrite, utcnow
from vault.records import FsckReport
from vault.store.base import ObjectStore
from vault.store.blocks import BlockDigests, ContentDigest
from vault.store.verify import alert_mismatch
from vault.writes import complete_write


def run_fsck(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    *,
    repair: bool,
    grace_seconds: float,
    verify_hashes: bool = True,
) -> FsckReport:
    report = FsckReport()
    pending_keys = _check_intents(sessions, store, report, repair=repair, grace_seconds=grace_seconds)
    known = _check_versions(sessions, store, report, verify_hashes=verify_hashes)
    _check_orphans(store, report, known, pending_keys, repair=repair)
    return report


def _matching_version(store: ObjectStore, key: str, sha256: str) -> str | None:
    for version in store.versions(key):
        if version.is_delete_marker:
            continue
        try:
            if store.digest(key, version.version_id) == sha256:
                return version.version_id
        except ObjectMissing:
            continue
    return None


def _check_intents(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    report: FsckReport,
    *,
    repair: bool,
    grace_seconds: float,
) -> set[str]:
    cutoff = utcnow() - dt.timedelta(seconds=grace_seconds)
    with sessions() as session:
        intents = session.execute(select(PendingWrite.id, PendingWrite.object_key, PendingWrite.created_at)).all()
    left: set[str] = set()
    for intent_id, key, created_at in intents:
        if created_at > cutoff or not repair:
            report.pending_writes.append(intent_id)
            left.add(key)
            continue
        outcome = repair_intent(sessions, store, intent_id)
        if outcome == "completed":
            report.completed_writes.append(intent_id)
        elif outcome == "rolled_back":
            report.rolled_back_writes.append(intent_id)
    return left


def repair_intent(sessions: sessionmaker[Session], store: ObjectStore, intent_id: str) -> str | None:
    """Roll one crashed write forward (its object is there and verifies) or back; None if it is gone."""
    with sessions.begin() as session:
        pending = session.get(PendingWrite, intent_id, with_for_update=True)
        if pending is None:
            return None  # the writer finished meanwhile
        version_id = _matching_version(store, pending.object_key, pending.sha256)
        if version_id and _try_complete(session, pending, version_id):
            return "completed"
        session.delete(pending)
        return "rolled_back"


def _try_complete(session: Session, pending: PendingWrite, version_id: str) -> bool:
    """Roll the intent forward in a savepoint; False when the catalogue no longer accepts it."""
    try:
        with session.begin_nested():
            complete_write(session, pending, version_id)
    except (LookupError, DBIntegrityError):
        return False
    return True


def _check_versions(
    sessions: sessionmaker[Session], store: ObjectStore, report: FsckReport, *, verify_hashes: bool
) -> set[tuple[str, str]]:
    known: set[tuple[str, str]] = set()
    with sessions() as session:
        rows = session.execute(
            select(
                DocumentVersion.document_id,
                DocumentVersion.object_key,
                DocumentVersion.object_version_id,
                DocumentVersion.sha256,
                DocumentVersion.size,
                DocumentVersion.block_size,
                DocumentVersion.block_digests,
            )
        ).all()
    for document_id, key, version_id, sha256, size, block_size, block_digests in rows:
        known.add((key, version_id))
        report.checked_versions += 1
        if not verify_hashes:
            if not store.exists(key, version_id):
                report.missing_objects.append(document_id)
            continue
        blocks = BlockDigests(block_size, block_digests) if block_size and block_digests else None
        try:
            matches = _matches(store, key, version_id, sha256, size, blocks)
        except ObjectMissing:
            report.missing_objects.append(document_id)
            continue
        if not matches:
            report.hash_mismatches.append(document_id)
    return known


def _matches(
    store: ObjectStore, key: str, version_id: str, sha256: str, size: int, blocks: BlockDigests | None
) -> bool:
    """The stored bytes match the catalogue's SHA-256 and, when it has them, its block digests (one read; a
    mismatch is alerted once)."""
    if blocks is None:
        if store.digest(key, version_id) == sha256:
            return True
        alert_mismatch(key, version_id)
        return False
    digest = ContentDigest(blocks.size)
    try:
        with store.stream(key, version_id, sha256, size) as content:  # alerts itself on a whole-digest mismatch
            for piece in content:
                digest.update(piece)
    except IntegrityError:
        return False
    if digest.blocks() != blocks:
        alert_mismatch(key, version_id)
        return False
    return True


def _check_orphans(
    store: ObjectStore,
    report: FsckReport,
    known: set[tuple[str, str]],
    pending_keys: set[str],
    *,
    repair: bool,
) -> None:
    for obj in store.iter_objects():
        if (obj.key, obj.version_id) in known or obj.key in pending_keys or obj.key.startswith(CHECKPOINT_PREFIX):
            continue  # the access log's checkpoints are the store's own, not documents
        name = f"{obj.key}@{obj.version_id}"
        report.orphan_objects.append(name)
        if repair:
            try:
                store.delete(obj.key, obj.version_id)
                report.deleted_orphans.append(name)
            except (ObjectLocked, VaultError):
                pass  # kept under retention; reported
