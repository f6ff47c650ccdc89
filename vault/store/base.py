"""The object store contract the vault writes PDFs through, and the plain values it returns.

Two implementations share its writes and verified reads: `S3Store` (MinIO or any S3 endpoint), `LocalStore` (files).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from vault.errors import ObjectLocked
from vault.store.blocks import BlockDigests, stream_version
from vault.store.source import PreparedSource, prepared
from vault.store.stream import StreamedContent
from vault.store.verify import CHUNK, VerifiedContent, sha256_of, spool_verified

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


class ObjectStore(ABC):
    """Write-once, versioned, retention-aware object storage that verifies SHA-256 on every read.

    The write (refused while the latest version is locked) and the verified reads are the same for every store; a
    store supplies the lock of a key's latest version, how it writes one version, and how it reads one in chunks.
    """

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
        latest = self._latest_lock(key, new_key=new_key)
        if latest is not None and latest.locked():
            raise ObjectLocked(f"{key} is under retention or legal hold; it cannot be overwritten")
        with prepared(source, size) as src:
            version_id = self._write(key, src, retain_until=retain_until, legal_hold=legal_hold)
            return StoredObject(key, version_id, src.sha256, src.size)

    def open(
        self, key: str, version_id: str, expected_sha256: str, byte_range: ByteRange | None = None
    ) -> VerifiedContent:
        """The version's bytes, verified against `expected_sha256` before any is handed out."""
        chunks = self._chunks(key, version_id, CHUNK)
        return spool_verified(chunks, expected_sha256, key=key, version_id=version_id, byte_range=byte_range)

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
        return stream_version(
            partial(self._chunks, key, version_id),
            expected_sha256,
            size,
            byte_range,
            blocks,
            key=key,
            version_id=version_id,
            on_mismatch=on_mismatch,
        )

    def digest(self, key: str, version_id: str) -> str:
        """SHA-256 of the stored bytes (fsck)."""
        return sha256_of(self._chunks(key, version_id, CHUNK))

    @abstractmethod
    def _latest_lock(self, key: str, *, new_key: bool) -> LockState | None:
        """The lock of the latest version of `key`; None when it has none (or the store need not look)."""

    @abstractmethod
    def _write(self, key: str, src: PreparedSource, *, retain_until: dt.datetime | None, legal_hold: bool) -> str:
        """Write `src` as a new version of `key`; its version id."""

    @abstractmethod
    def _chunks(
        self, key: str, version_id: str, size: int, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        """The stored bytes of the version in chunks of `size`, unverified: `length` of them from `offset` (None:
        to its end). A missing version fails when the first chunk is asked for."""

    @abstractmethod
    def delete(self, key: str, version_id: str) -> None:
        """Remove one version; refused (ObjectLocked) under retention or legal hold."""

    @abstractmethod
    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None: ...

    @abstractmethod
    def lock_state(self, key: str, version_id: str) -> LockState: ...

    @abstractmethod
    def versions(self, key: str) -> list[ObjectVersion]:
        """Every version of exactly `key`, newest first."""

    @abstractmethod
    def exists(self, key: str, version_id: str | None = None) -> bool: ...

    @abstractmethod
    def iter_objects(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Every stored version under `prefix` (fsck looks for objects the catalogue does not know)."""
