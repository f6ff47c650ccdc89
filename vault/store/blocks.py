"""Per-block SHA-256 digests, computed with the whole object's digest when a version is written, so that a byte
range is read and verified on its own: only the blocks it covers, each checked before any of its bytes leaves.

Versions written before (no block digests) keep the whole-object path of `stream.py`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from itertools import chain

from vault.store.stream import WHOLE_MAX, StreamedContent, piece_size

BLOCK_SIZE = 256 * 1024  # a pdf.js range (64 KiB) reads at most two blocks; 32 bytes of digest per 256 KiB stored
DIGEST = 32

# read(chunk, offset, length): the object's bytes from `offset`, `length` of them (None: to its end), in pieces of
# `chunk` bytes (the last one shorter)
RangeReader = Callable[[int, int, int | None], Iterator[bytes]]


@dataclass(frozen=True)
class BlockDigests:
    """The SHA-256 of each `size`-byte block of one version, in order (the last block may be shorter)."""

    size: int
    digests: bytes

    @property
    def count(self) -> int:
        return len(self.digests) // DIGEST

    def matches(self, index: int, block: bytes | memoryview) -> bool:
        if index >= self.count:
            return False
        expected = self.digests[index * DIGEST : (index + 1) * DIGEST]
        return hmac.compare_digest(hashlib.sha256(block).digest(), expected)


class ContentDigest:
    """The whole content's SHA-256, its size and its block digests, from one pass over its bytes."""

    def __init__(self, block_size: int = BLOCK_SIZE) -> None:
        self.block_size = block_size
        self.size = 0
        self._whole = hashlib.sha256()
        self._block = hashlib.sha256()
        self._in_block = 0
        self._digests = bytearray()

    def update(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        self._whole.update(view)
        self.size += len(view)
        while view:
            take = min(self.block_size - self._in_block, len(view))
            self._block.update(view[:take])
            self._in_block += take
            view = view[take:]
            if self._in_block == self.block_size:
                self._end_block()

    def _end_block(self) -> None:
        self._digests += self._block.digest()
        self._block, self._in_block = hashlib.sha256(), 0

    @property
    def sha256(self) -> str:
        return self._whole.hexdigest()

    def blocks(self) -> BlockDigests:
        """The block digests so far, the last, partial block included."""
        digests = bytes(self._digests)
        if self._in_block:
            digests += self._block.digest()
        return BlockDigests(self.block_size, digests)


class BlockVerifiedContent(StreamedContent):
    """A byte range read on its own: only the blocks it covers are read, and each is checked against its digest
    before any of its bytes is yielded (`IntegrityError` instead, after `on_mismatch`). The first `WHOLE_MAX` bytes
    of the blocks are read and checked on construction: a range within them (every pdf.js request) is verified
    before any byte is promised, and its corruption is a plain error rather than a broken stream."""

    def __init__(
        self,
        read: RangeReader,
        expected_sha256: str,
        total_size: int,
        byte_range: tuple[int, int | None],
        blocks: BlockDigests,
        *,
        key: str,
        version_id: str,
        on_mismatch: Callable[[], None] | None = None,
    ) -> None:
        self._describe(expected_sha256, total_size, byte_range, key, version_id, on_mismatch)
        self._blocks = blocks
        self._first_block = self.start // blocks.size
        self._span_start = self._first_block * blocks.size
        stop = self.start + self.length
        self._span_stop = min(-(-stop // blocks.size) * blocks.size, total_size)
        span = self._span_stop - self._span_start
        self._chunks = read(piece_size(span), self._span_start, span)
        self._verified = self._verified_pieces()
        self._ahead: list[bytes] = []
        got = 0
        try:
            while got < min(span, WHOLE_MAX) and (piece := next(self._verified, b"")):
                self._ahead.append(piece)
                got += len(piece)
        except BaseException:
            self.close()
            raise
        self._checked = got >= span

    def _verified_pieces(self) -> Iterator[bytes]:
        """The span's bytes in pieces of whole blocks, each block checked before its piece is yielded."""
        size, index, offset, carry = self._blocks.size, self._first_block, self._span_start, b""
        for chunk in self._chunks:
            data = carry + chunk if carry else chunk
            if offset + len(data) > self._span_stop:  # more than was asked for: not the range's bytes
                data = data[: self._span_stop - offset]
            whole = len(data) - len(data) % size if offset + len(data) < self._span_stop else len(data)
            view = memoryview(data)
            for low in range(0, whole, size):
                if not self._blocks.matches(index, view[low : low + size]):
                    self._fail("block digest")
                index += 1
            carry = data[whole:]
            offset += whole
            if whole:
                yield data if whole == len(data) else data[:whole]
        if carry or offset != self._span_stop:  # the store gave fewer (or more) bytes than the catalogue says
            self._fail("block length")

    def _pieces(self) -> Iterator[bytes]:
        source = iter(self._ahead) if self._checked else chain(self._ahead, self._verified)
        return self._slices(source, self._span_start)

    def __iter__(self) -> Generator[bytes, None, None]:
        """The range's pieces, each yielded as soon as its blocks matched: no piece is held back."""
        try:
            yield from self._pieces()
        finally:
            self.close()


def stream_version(
    read: RangeReader,
    expected_sha256: str,
    size: int,
    byte_range: tuple[int, int | None] | None,
    blocks: BlockDigests | None,
    *,
    key: str,
    version_id: str,
    on_mismatch: Callable[[], None] | None,
) -> StreamedContent:
    """A store's `stream`: a range of a version with block digests reads only its blocks; anything else reads and
    hashes the whole object (`StreamedContent`)."""
    if byte_range is not None and blocks is not None and blocks.size > 0:
        return BlockVerifiedContent(
            read, expected_sha256, size, byte_range, blocks, key=key, version_id=version_id, on_mismatch=on_mismatch
        )
    return StreamedContent(
        read(piece_size(size), 0, None),
        expected_sha256,
        size,
        byte_range,
        key=key,
        version_id=version_id,
        on_mismatch=on_mismatch,
    )
