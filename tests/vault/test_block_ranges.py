"""Byte ranges verified block by block (`vault/store/blocks.py`), on LocalStore and S3Store (SeaweedFS), and through
the vault: only the blocks a range covers are read, a tampered block is refused before any of its bytes is handed
out, and a version stored without block digests (before they existed) is still served by the whole-object path.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.types import Actor, Role
from tests.vault.conftest import PERSON
from vault.errors import IntegrityError
from vault.models import AccessLog, DocumentVersion
from vault.records import NewDocument
from vault.service import Vault
from vault.store import LocalStore, ObjectStore
from vault.store.blocks import BLOCK_SIZE, DIGEST, BlockDigests, BlockVerifiedContent, ContentDigest
from vault.store.stream import STREAM_CHUNK, WHOLE_MAX

BIG = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024) + b"\n%%EOF\n"
ADMIN = Actor("admin-1", Role.ADMIN)


def soon() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def blocks_of(data: bytes) -> BlockDigests:
    digest = ContentDigest()
    digest.update(data)
    return digest.blocks()


def with_bad_block(blocks: BlockDigests, index: int) -> BlockDigests:
    """The digests with block `index`'s digest altered: as if that stored block had been tampered with."""
    digests = bytearray(blocks.digests)
    digests[index * DIGEST] ^= 0xFF
    return BlockDigests(blocks.size, bytes(digests))


def flip_byte(root: Path, position: int) -> None:
    data = next(root.rglob("*.data"))
    data.chmod(0o600)
    with data.open("r+b") as handle:
        handle.seek(position)
        byte = handle.read(1)
        handle.seek(position)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_block_digests_cover_every_byte_once() -> None:
    blocks = blocks_of(BIG)
    assert blocks.size == BLOCK_SIZE and blocks.count == -(-len(BIG) // BLOCK_SIZE)
    pieces = ContentDigest()
    for start in range(0, len(BIG), 100_003):  # fed in pieces that do not fall on block boundaries
        pieces.update(BIG[start : start + 100_003])
    assert pieces.blocks() == blocks and pieces.size == len(BIG)
    assert blocks.matches(blocks.count - 1, BIG[(blocks.count - 1) * BLOCK_SIZE :])


@pytest.mark.parametrize(
    "wanted",
    [
        (0, 65535),  # pdf.js: its first chunk
        (BLOCK_SIZE - 10, BLOCK_SIZE + 9),  # across a block boundary
        (STREAM_CHUNK - 5, STREAM_CHUNK + 65530),
        (WHOLE_MAX - 5, WHOLE_MAX + 65530),  # past the part read and checked before the reply would start
        (len(BIG) - 1024, len(BIG) - 1),  # the trailer, in the last (short) block
        (3 * BLOCK_SIZE + 7, 3 * STREAM_CHUNK + 11),  # several pieces
        (3 * BLOCK_SIZE + 7, 3 * WHOLE_MAX + 11),  # checked whole up to WHOLE_MAX, then streamed
        (5, None),
    ],
)
def test_ranges_read_and_check_only_their_blocks(store: ObjectStore, wanted: tuple[int, int | None]) -> None:
    stored = store.put("s1/doc1/v1.pdf", BIG, retain_until=soon(), new_key=True)
    first, last = wanted
    expected = BIG[first : None if last is None else last + 1]
    blocks = blocks_of(BIG)
    outside = (first // BLOCK_SIZE - 1) if first >= BLOCK_SIZE else blocks.count  # a block the range leaves out
    elsewhere_bad = with_bad_block(blocks, outside) if outside < blocks.count else blocks
    with store.stream(stored.key, stored.version_id, stored.sha256, stored.size, wanted, blocks=elsewhere_bad) as got:
        assert isinstance(got, BlockVerifiedContent)
        span = min(-(-(first + len(expected)) // BLOCK_SIZE) * BLOCK_SIZE, len(BIG)) - first // BLOCK_SIZE * BLOCK_SIZE
        assert got.in_memory == (span <= WHOLE_MAX)  # read and checked whole before the reply would start
        assert got.read() == expected
        assert (got.start, got.end, got.total_size) == (first, first + len(expected) - 1, len(BIG))


def test_a_tampered_block_in_the_range_is_refused_before_any_byte(store: ObjectStore) -> None:
    stored = store.put("s1/doc2/v1.pdf", BIG, retain_until=soon(), new_key=True)
    alerts: list[str] = []
    bad = with_bad_block(blocks_of(BIG), 4)
    with pytest.raises(IntegrityError):  # on construction: the API answers a plain 500, no byte sent
        store.stream(
            stored.key, stored.version_id, stored.sha256, stored.size, (4 * BLOCK_SIZE + 100, 4 * BLOCK_SIZE + 65635),
            on_mismatch=lambda: alerts.append("x"), blocks=bad,
        )  # fmt: skip
    assert alerts == ["x"]


def test_a_tampered_block_further_on_stops_the_range_before_its_bytes(store: ObjectStore) -> None:
    stored = store.put("s1/doc3/v1.pdf", BIG, retain_until=soon(), new_key=True)
    alerts: list[str] = []
    index = WHOLE_MAX // BLOCK_SIZE + 3  # past the part checked before the reply would start
    content = store.stream(
        stored.key, stored.version_id, stored.sha256, stored.size, (10, None),
        on_mismatch=lambda: alerts.append("x"), blocks=with_bad_block(blocks_of(BIG), index),
    )  # fmt: skip
    received = bytearray()
    with pytest.raises(IntegrityError):
        for piece in content:
            received += piece
    assert 0 < len(received) <= index * BLOCK_SIZE - 10  # none of the tampered block's bytes went out
    assert received == BIG[10 : 10 + len(received)] and alerts == ["x"]


def test_a_flipped_byte_on_disk_fails_only_the_ranges_over_it(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    stored = store.put("s1/doc4/v1.pdf", BIG, retain_until=soon(), new_key=True)
    blocks = blocks_of(BIG)
    flip_byte(tmp_path / "objects", 40 * BLOCK_SIZE + 5)
    with store.stream(stored.key, stored.version_id, stored.sha256, stored.size, (0, 65535), blocks=blocks) as got:
        assert got.read() == BIG[:65536]  # the whole object no longer matches, but this range does
    with pytest.raises(IntegrityError):
        store.stream(stored.key, stored.version_id, stored.sha256, stored.size, (40 * BLOCK_SIZE, None), blocks=blocks)
    with pytest.raises(IntegrityError):  # without block digests the range needs the whole object, which fails
        store.stream(stored.key, stored.version_id, stored.sha256, stored.size, (0, 65535)).read()


def _version(vault: Vault, doc_id: str) -> DocumentVersion:
    with vault.sessions() as session:
        return session.execute(select(DocumentVersion).where(DocumentVersion.document_id == doc_id)).scalar_one()


def _actions(vault: Vault, doc_id: str) -> list[str]:
    with vault.sessions() as session:
        query = select(AccessLog.action).where(AccessLog.document_id == doc_id).order_by(AccessLog.seq)
        return list(session.execute(query).scalars())


def test_the_vault_records_block_digests_and_checks_ranges_with_them(vault: Vault, tmp_path: Path) -> None:
    doc = vault.store_document(NewDocument(owner_id=PERSON, name="Bản quét"), BIG, ADMIN)
    row = _version(vault, doc.id)
    assert (row.block_size, row.block_digests) == (BLOCK_SIZE, blocks_of(BIG).digests)
    flip_byte(tmp_path / "objects", len(BIG) - 100)
    _, content = vault.stream_content(doc.id, ADMIN, lambda size: (0, 65535))
    assert content.read() == BIG[:65536]
    with pytest.raises(IntegrityError):
        vault.stream_content(doc.id, ADMIN, lambda size: (size - 1024, size - 1))
    assert _actions(vault, doc.id)[-3:] == ["read", "read", "integrity_error"]


def test_a_document_stored_before_block_digests_is_still_served(vault: Vault, tmp_path: Path) -> None:
    doc = vault.store_document(NewDocument(owner_id=PERSON, name="Bản quét"), BIG, ADMIN)
    with vault.sessions.begin() as session:  # as a version written before migration 0008
        session.execute(update(DocumentVersion).values(block_size=None, block_digests=None))
    _, content = vault.stream_content(doc.id, ADMIN, lambda size: (size - 1024, size - 1))
    assert not isinstance(content, BlockVerifiedContent) and content.read() == BIG[-1024:]
    _, whole = vault.stream_content(doc.id, ADMIN)
    assert whole.read() == BIG
    flip_byte(tmp_path / "objects", 100)
    with pytest.raises(IntegrityError):  # the whole-object check still guards its ranges
        vault.stream_content(doc.id, ADMIN, lambda size: (size - 1024, size - 1))[1].read()


def test_fsck_checks_the_block_digests_too(vault: Vault, tmp_path: Path) -> None:
    intact = vault.store_document(NewDocument(owner_id=PERSON, name="Bản quét"), BIG, ADMIN)
    altered = vault.store_document(NewDocument(owner_id=PERSON, name="Bản quét 2"), BIG + b"2", ADMIN)
    assert vault.fsck().hash_mismatches == []
    wrong = with_bad_block(blocks_of(BIG + b"2"), 7).digests  # the whole digest still matches the bytes
    with vault.sessions.begin() as session:
        session.execute(
            update(DocumentVersion).where(DocumentVersion.document_id == altered.id).values(block_digests=wrong)
        )
    assert vault.fsck().hash_mismatches == [altered.id] and intact.id != altered.id
