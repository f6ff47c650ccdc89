"""The body of a streamed download: the pieces of a `StreamedContent`, read and hashed in a worker thread a few
pieces ahead of the event loop, which sends them, so on two cores hashing and sending overlap.

Why a thread that reads on (not one hop per piece): uvloop holds the GIL while it writes a piece to the socket, so a
read handed to a thread just before the send started only once the send was over (hash, send, hash, send: one core
at a time). A thread already inside `hashlib` (which lets the GIL go) keeps hashing while the event loop sends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

from vault.store.stream import StreamedContent

AHEAD = 2  # pieces read and hashed before the event loop takes them: 2 MiB per download beside the one being sent

# The threads that read streamed downloads, each for as long as its download has fewer than `AHEAD` pieces waiting:
# a slow client holds none of them. Apart from the route's thread pool, so that downloads do not queue behind it.
_READERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="sohoa-stream")

_END = object()  # the stream is over (no piece left); an exception is handed over as itself


async def stream_body(content: StreamedContent) -> AsyncIterator[bytes]:
    """The pieces in order; the stream is closed however the reply ends (finished, client gone, integrity error).
    An `IntegrityError` raised by the content is raised here before its held-back last piece, as it would be by
    iterating the content itself."""
    pump = _Pump(content, asyncio.get_running_loop())
    try:
        while (piece := await pump.take()) is not None:
            yield piece
    finally:
        pump.close()


class _Pump:
    """One download's read-ahead. The worker thread (`_fill`) reads pieces until `AHEAD` wait untaken, then returns
    its thread; the event loop (`take`) starts it again as it takes them. Each piece crosses to the loop through
    `call_soon_threadsafe`. `_state` guards the counts both sides look at; `_reading` is held during every read, so
    that the stream is closed only once no read runs."""

    def __init__(self, content: StreamedContent, loop: asyncio.AbstractEventLoop) -> None:
        self._content = content
        self._pieces: Iterator[bytes] = iter(content)
        self._loop = loop
        self._ready: asyncio.Queue[object] = asyncio.Queue()
        self._state = threading.Lock()
        self._reading = threading.Lock()
        self._waiting = 0  # pieces read, not yet taken
        self._running = self._over = self._closed = False

    async def take(self) -> bytes | None:
        """The next piece, or None at the end; what the content raised, raised here."""
        self._start()
        item = await self._ready.get()
        with self._state:
            self._waiting -= 1
        self._start()
        if item is _END:
            return None
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, bytes)
        return item

    def _start(self) -> None:
        with self._state:
            if self._running or self._over or self._closed or self._waiting >= AHEAD:
                return
            self._running = True
        self._loop.run_in_executor(_READERS, self._fill)

    def _fill(self) -> None:
        with self._reading:
            while True:
                with self._state:
                    if self._over or self._closed or self._waiting >= AHEAD:
                        self._running = False
                        return
                item = self._next()
                with self._state:
                    self._waiting += 1
                    self._over = not isinstance(item, bytes)
                try:
                    self._loop.call_soon_threadsafe(self._ready.put_nowait, item)
                except RuntimeError:  # the event loop has closed: nobody takes it
                    self._running = False
                    return

    def _next(self) -> object:
        try:
            return next(self._pieces, _END)
        except BaseException as exc:  # IntegrityError, or the store failing mid-stream: the loop raises it
            return exc

    def close(self) -> None:
        """Stop reading ahead and close the stream, off the event loop: a read in progress ends first."""
        with self._state:
            self._closed = True
        try:
            self._loop.run_in_executor(_READERS, self._close_stream)
        except RuntimeError:  # the loop or the executor is closing
            self._close_stream()

    def _close_stream(self) -> None:
        with self._reading:
            close = getattr(self._pieces, "close", None)
            if close is not None:
                close()
            self._content.close()
