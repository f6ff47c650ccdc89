"""`ObjectStore.stream` on LocalStore and S3Store (SeaweedFS): a 20 MB object streams intact in several pieces,
ranges across chunk boundaries, and a digest mismatch is raised before the last piece, never as a clean end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vault.errors import IntegrityError, InvalidInput, ObjectMissing
from vault.store import LocalStore, ObjectStore
from vault.store.blocks import stream_version
from vault.store.stream import STREAM_CHUNK, WHOLE_MAX, StreamedContent

BIG = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024) + b"\n%%EOF\n"
SMALL = b"%PDF-1.7\n" + os.urandom(5_000) + b"\n%%EOF\n"


def soon() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def test_a_20_mb_object_streams_intact_in_pieces(store: ObjectStore) -> None:
    stored = store.put("s1/doc1/v1.pdf", BIG, retain_until=soon(), new_key=True)
    digest, pieces, total = hashlib.sha256(), 0, 0
    with store.stream(stored.key, stored.version_id, stored.sha256, stored.size) as content:
        assert not content.in_memory and (content.start, content.length) == (0, len(BIG))
        for piece in content:
            digest.update(piece)
            pieces += 1
            total += len(piece)
    assert (total, digest.hexdigest()) == (len(BIG), hashlib.sha256(BIG).hexdigest())
    assert pieces >= len(BIG) // STREAM_CHUNK  # streamed, not gathered first


@pytest.mark.parametrize(
    "wanted",
    [(STREAM_CHUNK - 10, STREAM_CHUNK + 9), (0, 0), (5, None), (len(BIG) - 7, len(BIG) - 1), (3 * STREAM_CHUNK, None)],
)
def test_ranges_across_chunk_boundaries(store: ObjectStore, wanted: tuple[int, int | None]) -> None:
    stored = store.put("s1/doc2/v1.pdf", BIG, retain_until=soon(), new_key=True)
    first, last = wanted
    expected = BIG[first : None if last is None else last + 1]
    with store.stream(stored.key, stored.version_id, stored.sha256, stored.size, wanted) as content:
        assert content.read() == expected
        assert (content.start, content.end, content.total_size) == (first, first + len(expected) - 1, len(BIG))


def test_a_mismatch_is_raised_before_the_last_piece(store: ObjectStore) -> None:
    stored = store.put("s1/doc3/v1.pdf", BIG, retain_until=soon(), new_key=True)
    alerts: list[str] = []
    received = bytearray()
    content = store.stream(stored.key, stored.version_id, "0" * 64, stored.size, on_mismatch=lambda: alerts.append("x"))
    with pytest.raises(IntegrityError):
        for piece in content:
            received += piece
    assert 0 < len(received) < len(BIG)  # bytes flowed, but the end never came
    assert received == BIG[: len(received)] and alerts == ["x"]


def test_a_range_of_a_corrupt_object_never_completes(store: ObjectStore) -> None:
    stored = store.put("s1/doc4/v1.pdf", BIG, retain_until=soon(), new_key=True)
    with pytest.raises(IntegrityError):  # the range is in the first chunk; the digest needs the whole object
        b"".join(store.stream(stored.key, stored.version_id, "0" * 64, stored.size, (0, 99)))


def test_a_small_object_is_checked_before_anything_is_handed_out(store: ObjectStore) -> None:
    stored = store.put("s1/doc5/v1.pdf", SMALL, retain_until=soon(), new_key=True)
    with store.stream(stored.key, stored.version_id, stored.sha256, stored.size) as content:
        assert content.in_memory and content.read() == SMALL
    with pytest.raises(IntegrityError):
        store.stream(stored.key, stored.version_id, "0" * 64, stored.size)
    with pytest.raises(IntegrityError):  # a catalogue size that disagrees with the stored bytes
        store.stream(stored.key, stored.version_id, stored.sha256, stored.size - 1)
    with pytest.raises(InvalidInput):
        store.stream(stored.key, stored.version_id, stored.sha256, stored.size, (len(SMALL), None))


def test_a_missing_object_fails_before_the_first_byte(store: ObjectStore) -> None:
    stored = store.put("s1/doc6/v1.pdf", SMALL, retain_until=soon(), new_key=True)
    other = "0000000000000000001deadbeef" if isinstance(store, LocalStore) else "no-such-version"
    with pytest.raises(ObjectMissing):
        store.stream(stored.key, other, stored.sha256, stored.size)


def test_a_flipped_byte_on_disk_breaks_the_stream_local(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    stored = store.put("s1/doc7/v1.pdf", BIG, retain_until=soon(), new_key=True)
    data = next((tmp_path / "objects").rglob("*.data"))
    data.chmod(0o600)
    with data.open("r+b") as handle:  # near the end: most of the object has flowed when the digest is known
        handle.seek(len(BIG) - 100)
        byte = handle.read(1)
        handle.seek(len(BIG) - 100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    received = 0
    with pytest.raises(IntegrityError):
        for piece in store.stream(stored.key, stored.version_id, stored.sha256, stored.size):
            received += len(piece)
    assert received < len(BIG)


def test_each_piece_leaves_once_hashed_and_the_last_once_the_whole_matched() -> None:
    """No hashing ahead inside the content: a piece is handed out as soon as its own chunk is hashed (the
    catalogue's size tells which piece is the last), and only the last one waits for the whole object's digest."""
    drawn: list[tuple[int, int]] = []

    def reader(data: bytes) -> Callable[[int, int, int | None], Iterator[bytes]]:
        def read(chunk: int, offset: int, length: int | None) -> Iterator[bytes]:
            for start in range(offset, len(data), chunk):
                drawn.append((start, chunk))
                yield data[start : start + chunk]

        return read

    def stream(data: bytes, sha256: str) -> StreamedContent:
        return stream_version(reader(data), sha256, len(data), None, None, key="k", version_id="v", on_mismatch=None)

    pieces = iter(stream(BIG, hashlib.sha256(BIG).hexdigest()))
    # The chunk after it is read (not hashed, not handed out), so that the next call starts by hashing; no more.
    assert next(pieces) == BIG[:STREAM_CHUNK] and drawn == [(0, STREAM_CHUNK), (STREAM_CHUNK, STREAM_CHUNK)]
    assert next(pieces) == BIG[STREAM_CHUNK : 2 * STREAM_CHUNK] and len(drawn) == 3
    assert b"".join(pieces) == BIG[2 * STREAM_CHUNK :] and len(drawn) == -(-len(BIG) // STREAM_CHUNK)
    received = bytearray()
    with pytest.raises(IntegrityError):  # a wrong digest: every piece but the last went out, then the error
        for piece in stream(BIG, "0" * 64):
            received += piece
    assert len(received) == len(BIG) - len(BIG) % STREAM_CHUNK and received == BIG[: len(received)]
    small = BIG[: WHOLE_MAX - 1]  # read in one piece and checked before anything is handed out
    drawn.clear()
    with stream(small, hashlib.sha256(small).hexdigest()) as content:
        assert content.in_memory and drawn == [(0, WHOLE_MAX)] and content.read() == small
