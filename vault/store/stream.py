"""Stream a stored object version while hashing it, holding its last piece back until the SHA-256 matches, so a
corrupt object is never handed out as a clean, complete body (the HTTP reply breaks off instead).

`VerifiedContent` (verify.py) spools and checks the whole object first; this is the path of the API's downloads.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Generator, Iterator
from types import TracebackType

from vault.errors import IntegrityError
from vault.store.verify import alert_mismatch, resolve_range

# Up to this size an object (or the blocks a range covers) is read and verified whole before the reply starts: a
# mismatch is then a plain error, and the API sends it as one body. Every PDF up to 4 MiB, every pdf.js range.
WHOLE_MAX = 4 * 1024 * 1024
# The pieces a larger one streams in. Each is hashed and then sent at once, while the next is read and hashed: small
# enough that the first byte leaves after 1 MiB of hashing and the two cores overlap, large enough that the thread
# hop and ASGI message per piece cost little (measured in docs/vault.md, "Streaming downloads").
STREAM_CHUNK = 1024 * 1024


def piece_size(span: int) -> int:
    """The read size for `span` bytes: all of them in one piece up to `WHOLE_MAX`, else `STREAM_CHUNK` pieces."""
    return WHOLE_MAX if span <= WHOLE_MAX else STREAM_CHUNK


class StreamedContent:
    """The bytes of one version (or of a byte range of it), read from the store as they are iterated.

    Every chunk of the whole object is hashed, also outside the range. Each piece of the range is yielded as soon as
    its chunk is hashed, except the last: it is yielded only after every chunk was drawn and the object's digest and
    length matched; otherwise `IntegrityError` is raised instead (after `on_mismatch`), so a consumer never sees the
    end of a corrupt object. The first chunk is read on construction: a missing object or an unreachable store fails
    before any byte is promised. An object that fits in that first chunk (`piece_size`: up to `WHOLE_MAX`) is
    verified on construction too, so its corruption is a plain error rather than a broken stream.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        expected_sha256: str,
        total_size: int,
        byte_range: tuple[int, int | None] | None = None,
        *,
        key: str,
        version_id: str,
        on_mismatch: Callable[[], None] | None = None,
    ) -> None:
        self._describe(expected_sha256, total_size, byte_range, key, version_id, on_mismatch)
        self._chunks = chunks
        self._digest = hashlib.sha256()
        self._seen = 0
        self._ahead: list[bytes] = []
        try:
            first = next(chunks, b"")
            self._ahead.append(first)
            if len(first) >= total_size:  # the whole object is in hand: check it before anything is promised
                self._ahead.append(next(chunks, b""))
                self._hash(first + self._ahead[1])
                self._check()
        except BaseException:
            self.close()
            raise
        self._checked = len(self._ahead) > 1

    def _describe(
        self,
        expected_sha256: str,
        total_size: int,
        byte_range: tuple[int, int | None] | None,
        key: str,
        version_id: str,
        on_mismatch: Callable[[], None] | None,
    ) -> None:
        """What is read and what it must match: the version's digest and size, the range, what to tell on a mismatch."""
        self.sha256 = expected_sha256.lower()
        self.total_size = total_size
        self.start, self.length = resolve_range(byte_range, total_size)
        self._key, self._version_id, self._on_mismatch = key, version_id, on_mismatch

    @property
    def in_memory(self) -> bool:
        """True when the whole object was read and verified on construction: iterating does no I/O."""
        return self._checked

    @property
    def end(self) -> int:
        """Last byte position, inclusive (for a Content-Range header)."""
        return self.start + self.length - 1

    def _hash(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        self._seen += len(chunk)

    def _check(self) -> None:
        matches = hmac.compare_digest(self._digest.hexdigest(), self.sha256)
        if not matches or self._seen != self.total_size:
            self._fail("SHA-256")

    def _fail(self, what: str) -> None:
        """Alert, tell the caller (`on_mismatch`), and raise: the bytes read do not match the catalogue."""
        alert_mismatch(self._key, self._version_id)
        if self._on_mismatch is not None:
            self._on_mismatch()
        raise IntegrityError(f"stored object {self._key} version {self._version_id} fails its {what} check")

    def _pieces(self) -> Iterator[bytes]:
        """The range's slices of every chunk of the object, in order, each chunk hashed as it passes."""
        return self._slices(iter(self._ahead) if self._checked else self._hashed(_chain(self._ahead[0], self._chunks)))

    def _hashed(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Each chunk once hashed; the following chunk is read (not hashed, not handed out) before it is handed on.
        So a consumer in another thread that takes a chunk and asks for the next one goes straight into hashing,
        which lets the GIL go: the event loop sending the chunk just handed on runs meanwhile, where a read first
        would have let the loop take the GIL and held the hashing back until its send was over."""
        chunk = next(chunks, None)
        while chunk is not None:
            self._hash(chunk)
            following = next(chunks, None)
            yield chunk
            chunk = following

    def _slices(self, chunks: Iterator[bytes], offset: int = 0) -> Iterator[bytes]:
        """The parts of `chunks` (the object's bytes from `offset` on) that fall inside the range, in order; every
        chunk is drawn, also past the range (the whole object's digest needs them all)."""
        stop = self.start + self.length
        for chunk in chunks:
            low, high = max(self.start - offset, 0), min(stop - offset, len(chunk))
            offset += len(chunk)
            if low < high:
                yield chunk if (low, high) == (0, len(chunk)) else chunk[low:high]

    def __iter__(self) -> Generator[bytes, None, None]:
        """Each piece once its chunk is hashed; the range's last piece once the whole object matched. Nothing is
        read ahead: the size is the catalogue's, so the last piece is known by its position."""
        pieces, left, last = self._pieces(), self.length, None
        try:
            for piece in pieces:
                left -= len(piece)
                if left > 0:
                    yield piece
                else:
                    last = piece
                    break
            for _ in pieces:  # the rest of the object: drawn and hashed (the slices past the range are empty)
                pass
            if not self._checked:
                self._check()
            if last is not None:
                yield last
        finally:
            self.close()

    def read(self) -> bytes:
        """The whole range, verified (for small objects and tests; the API iterates)."""
        return b"".join(self)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> StreamedContent:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
