"""The body of a streamed download (`api.stream_body`): the content's pieces in order, read and hashed in a worker
thread at most `AHEAD` pieces before they are sent; an integrity error raised before the last piece; the stream
closed when the client goes away.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import Iterator

import pytest

from api.stream_body import AHEAD, _Pump, stream_body
from vault.errors import IntegrityError
from vault.store.stream import STREAM_CHUNK, StreamedContent

DATA = os.urandom(10 * STREAM_CHUNK + 123)


class Chunks:
    """The object's chunks as a store hands them out, counting what was read and whether it was closed."""

    def __init__(self) -> None:
        self.drawn = 0
        self.closed = threading.Event()
        self._chunks = self._read()

    def _read(self) -> Iterator[bytes]:
        for start in range(0, len(DATA), STREAM_CHUNK):
            self.drawn += 1
            yield DATA[start : start + STREAM_CHUNK]

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self.closed.set()


def content(chunks: Chunks, sha256: str | None = None) -> StreamedContent:
    digest = sha256 or hashlib.sha256(DATA).hexdigest()
    return StreamedContent(chunks, digest, len(DATA), key="k", version_id="v")


async def collect(body: StreamedContent) -> bytes:
    return b"".join([piece async for piece in stream_body(body)])


def test_the_pieces_arrive_in_order_and_the_stream_is_closed() -> None:
    chunks = Chunks()
    assert asyncio.run(collect(content(chunks))) == DATA
    assert chunks.closed.wait(10)


def test_an_integrity_error_comes_before_the_last_piece() -> None:
    chunks = Chunks()
    received = bytearray()

    async def run() -> None:
        async for piece in stream_body(content(chunks, "0" * 64)):
            received.extend(piece)

    with pytest.raises(IntegrityError):
        asyncio.run(run())
    assert 0 < len(received) < len(DATA) and received == DATA[: len(received)]
    assert chunks.closed.wait(10)


def test_the_read_ahead_stops_at_its_bound_and_a_client_gone_closes_the_stream() -> None:
    chunks = Chunks()

    async def run() -> None:
        body = content(chunks)
        pump = _Pump(body, asyncio.get_running_loop())
        assert await pump.take() == DATA[:STREAM_CHUNK]
        for _ in range(1000):  # the worker thread stops by itself once AHEAD pieces wait
            if not pump._running:
                break
            await asyncio.sleep(0.01)
        # The one taken, AHEAD more hashed and waiting, and the chunk after them read (not hashed); no further.
        assert chunks.drawn == 1 + AHEAD + 1
        pump.close()

    asyncio.run(run())
    assert chunks.closed.wait(10) and chunks.drawn == 1 + AHEAD + 1
