"""The object store contract the vault writes PDFs through, and the plain values it returns.

Two implementations keep the same behaviour: `S3Store` (MinIO or any S3 endpoint) and `LocalStore` (files).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from vault.store.blocks import BlockDigests
from vault.store.stream import StreamedContent
from vault.store.verify import VerifiedContent

Source = bytes | Path | BinaryIO
ByteRange = tuple[int, int | None]  # HTTP Range: first byte, last byte inclusive (None: to the end)


@dataclass(frozen=True)
class StoredObject:
    """One written object version, with the SHA-256 computed while it was written."""

    key: str
    version_id: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ObjectVersion:
    """One version of a key as the store lists it."""

    key: str
    version_id: str
    size: int
    last_modified: dt.datetime | None
    is_delete_marker: bool = False


@dataclass(frozen=True)
class LockState:
    """Retention (COMPLIANCE, until a time) and legal hold of one object version."""

    retain_until: dt.datetime | None
    legal_hold: bool

    def locked(self, now: dt.datetime | None = None) -> bool:
        moment = now or dt.datetime.now(dt.UTC)
        return self.legal_hold or (self.retain_until is not None and self.retain_until > moment)


@runtime_checkable
class ObjectStore(Protocol):
    """Write-once, versioned, retention-aware object storage that verifies SHA-256 on every read."""

    name: str

    def put(
        self,
        key: str,
        source: Source,
        size: int | None = None,
        *,
        retain_until: dt.datetime | None,
        legal_hold: bool = False,
        new_key: bool = False,
    ) -> StoredObject:
        """Store a new version of `key`; refused (ObjectLocked) while its latest version is locked.

        `new_key=True`: the caller guarantees the key was never written (the vault's keys carry a fresh
        document id and version number), so S3Store skips its overwrite probe (a HEAD round trip); a locked
        version would survive such a put anyway, as versioning keeps it under its retention.
        """
        ...

    def open(
        self, key: str, version_id: str, expected_sha256: str, byte_range: ByteRange | None = None
    ) -> VerifiedContent:
        """The version's bytes, verified against `expected_sha256` before any is handed out."""
        ...

    def stream(
        self,
        key: str,
        version_id: str,
        expected_sha256: str,
        size: int,
        byte_range: ByteRange | None = None,
        on_mismatch: Callable[[], None] | None = None,
        blocks: BlockDigests | None = None,
    ) -> StreamedContent:
        """The version's bytes read as they are iterated, hashed on the way; the last piece is held back until
        the digest matched (`IntegrityError` instead, after `on_mismatch`). `size` is the catalogue's. A range
        of a version with `blocks` (its block digests) reads only the blocks it covers, each checked first."""
        ...

    def digest(self, key: str, version_id: str) -> str:
        """SHA-256 of the stored bytes (fsck)."""
        ...

    def delete(self, key: str, version_id: str) -> None:
        """Remove one version; refused (ObjectLocked) under retention or legal hold."""
        ...

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None: ...

    def lock_state(self, key: str, version_id: str) -> LockState: ...

    def versions(self, key: str) -> list[ObjectVersion]:
        """Every version of exactly `key`, newest first."""
        ...

    def exists(self, key: str, version_id: str | None = None) -> bool: ...

    def iter_objects(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Every stored version under `prefix` (fsck looks for objects the catalogue does not know)."""
        ...
