"""Turn what a caller hands to `put` (bytes, a path, a stream) into a seekable stream, its size and SHA-256.

The digest is known before upload, so it is stored with the object and recorded in the catalogue.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vault.errors import InvalidInput
from vault.store.verify import CHUNK, SPOOL_MAX


@dataclass
class PreparedSource:
    stream: BinaryIO
    size: int
    sha256: str


def _hash_stream(stream: BinaryIO) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return size, digest.hexdigest()


@contextmanager
def prepared(source: bytes | Path | BinaryIO, size: int | None = None) -> Iterator[PreparedSource]:
    """Yield the source as a seekable stream at offset 0 with its size and digest; close what it opened."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        yield PreparedSource(io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest())
        return
    if isinstance(source, Path):
        with source.open("rb") as handle:
            length, digest = _hash_stream(handle)
            yield PreparedSource(handle, length, digest)
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX) as spool:
        digest_obj = hashlib.sha256()
        length = 0
        while chunk := source.read(CHUNK):
            digest_obj.update(chunk)
            spool.write(chunk)
            length += len(chunk)
        if size is not None and size != length:
            raise InvalidInput(f"source has {length} bytes, {size} announced")
        spool.seek(0)
        yield PreparedSource(spool, length, digest_obj.hexdigest())  # type: ignore[arg-type]
