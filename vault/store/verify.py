"""Verify a stored object's SHA-256 while spooling it, so corrupt bytes are never handed out.

The whole object is read and hashed into a SpooledTemporaryFile; only a match releases it (or a byte range).
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import IO

from core.logging import get_logger
from vault.errors import IntegrityError, InvalidInput

log = get_logger(__name__)

CHUNK = 256 * 1024
SPOOL_MAX = 8 * 1024 * 1024


class VerifiedContent:
    """Verified bytes of one object version (or a range of them); iterate, `read()`, then `close()`."""

    def __init__(self, spool: IO[bytes], total_size: int, start: int, length: int) -> None:
        self._spool = spool
        self.total_size = total_size
        self.start = start
        self.length = length
        self._left = length
        spool.seek(start)

    @property
    def end(self) -> int:
        """Last byte position, inclusive (for a Content-Range header)."""
        return self.start + self.length - 1

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        want = self._left if n < 0 else min(n, self._left)
        data = self._spool.read(want)
        self._left -= len(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> VerifiedContent:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def resolve_range(byte_range: tuple[int, int | None] | None, size: int) -> tuple[int, int]:
    """(start, length) of an HTTP byte range (last byte inclusive) inside an object of `size` bytes."""
    if byte_range is None:
        return 0, size
    first, last = byte_range
    if first < 0 or first >= max(size, 1) or (last is not None and last < first):
        raise InvalidInput("byte range not satisfiable")
    stop = size - 1 if last is None else min(last, size - 1)
    return first, stop - first + 1


def spool_verified(
    chunks: Iterable[bytes],
    expected_sha256: str,
    *,
    key: str,
    version_id: str,
    byte_range: tuple[int, int | None] | None = None,
) -> VerifiedContent:
    """Hash `chunks` into a spool; raise IntegrityError (and log an alert) unless the digest matches."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)  # noqa: SIM115 - handed to VerifiedContent
    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in chunks:
            digest.update(chunk)
            spool.write(chunk)
            size += len(chunk)
        if not hmac.compare_digest(digest.hexdigest(), expected_sha256.lower()):
            alert_mismatch(key, version_id)
            raise IntegrityError(f"stored object {key} version {version_id} fails its SHA-256 check")
        start, length = resolve_range(byte_range, size)
    except BaseException:
        spool.close()
        raise
    return VerifiedContent(spool, size, start, length)


def alert_mismatch(key: str, version_id: str) -> None:
    """The alert of a hash mismatch: an error-level event naming the object (no owner id, no content)."""
    log.error("vault.integrity_alert", key=key, version_id=version_id, alert=True)


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()
