"""Signed PDFs through a real `sohoa serve` on the folder store and on S3 (SeaweedFS): a 20 MB object streams intact
with its digest, byte ranges (as pdf.js asks for them) return the right bytes, and a corrupt object is never
delivered as a clean, complete response (the connection breaks off short of Content-Length before the first byte of a
tampered block, or a 500 before any byte when the first block or a small object fails). Every read is in the access
log.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from core.types import Role
from tests.support.s3server import SeaweedServer
from tests.support.stack import SohoaStack
from vault.store.blocks import BLOCK_SIZE, DIGEST
from vault.store.stream import STREAM_CHUNK

OWNER = "045190007777"
BIG = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024) + b"\n%%EOF\n"
SMALL = b"%PDF-1.7\n" + os.urandom(40_000) + b"\n%%EOF\n"
MEDIUM = b"%PDF-1.7\n" + os.urandom(2 * 1024 * 1024) + b"\n%%EOF\n"  # a signed PDF's size: sent block by block

_STORE = """
import sys
from pathlib import Path
from core.types import Actor, Role
from runtime import catalogue as runtime
from vault.records import NewDocument
vault = runtime.vault()
admin = Actor("test", Role.ADMIN)
for path in sys.argv[2:]:
    print(vault.store_document(NewDocument(owner_id=sys.argv[1], name="Bản quét"), Path(path), admin).id)
"""
_DATA = {"big": BIG, "small": SMALL, "medium": MEDIUM}


class Installation:
    def __init__(self, stack: SohoaStack, ids: dict[str, str]) -> None:
        self.stack, self.ids = stack, ids
        token = stack.token(Role.ADMIN, "stream-test")
        self.headers = {"Authorization": f"Bearer {token}", "X-Purpose": "kiem-tra"}

    def url(self, name: str) -> str:
        return f"{self.stack.url}/api/v1/documents/{self.ids[name]}/content"

    def catalogue(self) -> sqlite3.Connection:
        return sqlite3.connect(self.stack.data_dir / "vault" / "catalogue.sqlite3")


@pytest.fixture(scope="module", params=["local", "s3"])
def installation(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    root = tmp_path_factory.mktemp(f"stream-{request.param}")
    data_dir = root / "data"
    data_dir.mkdir()
    env: dict[str, str] = {}
    if request.param == "s3":
        seaweed: SeaweedServer = request.getfixturevalue("seaweed")
        endpoint = seaweed.endpoint
        env = {
            "SOHOA_VAULT_S3_ENDPOINT": endpoint.endpoint,
            "SOHOA_VAULT_S3_ACCESS_KEY": endpoint.access_key,
            "SOHOA_VAULT_S3_SECRET_KEY": endpoint.secret_key,
            "SOHOA_VAULT_S3_BUCKET": "sohoa-stream-test",
        }
    stack = SohoaStack(data_dir, env)
    stack.migrate()
    files = {}
    names = ("big", "big_corrupt", "big_tampered_block", "small", "small_corrupt")
    names += ("medium", "medium_tampered", "medium_first_tampered", "medium_old", "medium_old_corrupt")
    for name, data in ((name, _DATA[name.partition("_")[0]]) for name in names):
        files[name] = root / f"{name}.pdf"
        files[name].write_bytes(data)
    command = [sys.executable, "-c", _STORE, OWNER, *(str(p) for p in files.values())]
    stored = subprocess.run(command, env=stack._environment(), capture_output=True, text=True, check=True)
    ids = dict(zip(files, stored.stdout.split(), strict=True))
    stack.start_server(timeout=300)
    try:
        yield Installation(stack, ids)
    finally:
        stack.stop()


def _corrupt(installation: Installation, name: str) -> None:
    """Local store: flip a byte near the end of the object's file. S3: the catalogue's digest no longer matches
    the stored bytes (SeaweedFS itself refuses a flipped byte on its volume with a 500: `tests/vault`)."""
    doc_id = installation.ids[name]
    with installation.catalogue() as db:
        key, size = db.execute(
            "SELECT object_key, size FROM document_versions WHERE document_id = ?", (doc_id,)
        ).fetchone()
        if "SOHOA_VAULT_S3_ENDPOINT" in installation.stack.env:
            db.execute("UPDATE document_versions SET sha256 = ? WHERE document_id = ?", ("0" * 64, doc_id))
            return
    path = next((installation.stack.data_dir / "vault" / "objects" / key).glob("*.data"))
    path.chmod(0o600)
    with path.open("r+b") as handle:
        handle.seek(size - 100)
        byte = handle.read(1)
        handle.seek(size - 100)
        handle.write(bytes([byte[0] ^ 0xFF]))


def _actions(installation: Installation, name: str) -> list[str]:
    with installation.catalogue() as db:
        rows = db.execute("SELECT action FROM access_log WHERE document_id = ? ORDER BY seq", (installation.ids[name],))
        return [row[0] for row in rows]


def test_a_20_mb_pdf_streams_intact_with_its_digest(installation: Installation) -> None:
    digest, total = hashlib.sha256(), 0
    with httpx.stream("GET", installation.url("big"), headers=installation.headers, timeout=120) as response:
        assert response.status_code == 200
        assert response.headers["content-length"] == str(len(BIG))
        assert response.headers["accept-ranges"] == "bytes"
        assert "content-encoding" not in response.headers  # never gzipped: ranges and lengths stay the file's
        announced = base64.b64encode(hashlib.sha256(BIG).digest()).decode()
        assert response.headers["repr-digest"] == f"sha-256=:{announced}:"
        for piece in response.iter_raw():
            digest.update(piece)
            total += len(piece)
    assert (total, digest.hexdigest()) == (len(BIG), hashlib.sha256(BIG).hexdigest())
    assert _actions(installation, "big")[-1] == "read"


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-65535", 0, 65535),  # pdf.js: its first chunk
        (f"bytes={STREAM_CHUNK - 5}-{STREAM_CHUNK + 65530}", STREAM_CHUNK - 5, STREAM_CHUNK + 65530),
        ("bytes=-1024", len(BIG) - 1024, len(BIG) - 1),  # the trailer and cross-reference table
        (f"bytes={len(BIG) - 10}-", len(BIG) - 10, len(BIG) - 1),
    ],
)
def test_byte_ranges_return_the_right_bytes(installation: Installation, header: str, first: int, last: int) -> None:
    response = httpx.get(installation.url("big"), headers={**installation.headers, "Range": header}, timeout=120)
    assert response.status_code == 206
    assert response.content == BIG[first : last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(BIG)}"
    assert response.headers["content-length"] == str(last - first + 1)
    refused = httpx.get(installation.url("big"), headers={**installation.headers, "Range": f"bytes={len(BIG)}-"})
    assert refused.status_code == 416 and refused.headers["content-range"] == f"bytes */{len(BIG)}"


def test_a_client_hanging_up_mid_stream_leaves_the_server_serving(installation: Installation) -> None:
    with httpx.stream("GET", installation.url("big"), headers=installation.headers, timeout=120) as response:
        assert response.status_code == 200
        next(response.iter_raw())  # as pdf.js does once it has seen Accept-Ranges: then it asks for ranges
    again = httpx.get(installation.url("big"), headers={**installation.headers, "Range": "bytes=0-9"}, timeout=120)
    assert again.status_code == 206 and again.content == BIG[:10]


def test_a_corrupt_large_pdf_never_ends_cleanly(installation: Installation) -> None:
    _corrupt(installation, "big_corrupt")
    received = 0
    url, headers = installation.url("big_corrupt"), installation.headers
    # the server closes the connection short of Content-Length
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url, headers=headers, timeout=120) as r:
        assert r.status_code == 200 and r.headers["content-length"] == str(len(BIG))
        for piece in r.iter_raw():
            received += len(piece)
    assert received < len(BIG)
    assert _actions(installation, "big_corrupt")[-2:] == ["read", "integrity_error"]
    healthy = httpx.get(installation.url("small"), headers=installation.headers, timeout=60)
    assert healthy.status_code == 200 and healthy.content == SMALL  # the server carries on


def test_a_corrupt_small_pdf_is_a_500_before_any_byte(installation: Installation) -> None:
    _corrupt(installation, "small_corrupt")
    response = httpx.get(installation.url("small_corrupt"), headers=installation.headers, timeout=60)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "%PDF" not in response.text
    assert json.loads(response.text)["status"] == 500
    assert _actions(installation, "small_corrupt")[-2:] == ["read", "integrity_error"]


def _tamper_block(installation: Installation, name: str, index: int) -> None:
    """Local store: flip a byte of block `index` in the object's file. S3: alter that block's digest in the
    catalogue (SeaweedFS refuses a flipped byte on its volume itself: `tests/vault`)."""
    doc_id = installation.ids[name]
    with installation.catalogue() as db:
        key, digests = db.execute(
            "SELECT object_key, block_digests FROM document_versions WHERE document_id = ?", (doc_id,)
        ).fetchone()
        data = _DATA[name.partition("_")[0]]
        assert len(digests) == DIGEST * -(-len(data) // BLOCK_SIZE)  # written with the version
        if "SOHOA_VAULT_S3_ENDPOINT" in installation.stack.env:
            altered = bytearray(digests)
            altered[index * DIGEST] ^= 0xFF
            db.execute("UPDATE document_versions SET block_digests = ? WHERE document_id = ?", (bytes(altered), doc_id))
            return
    path = next((installation.stack.data_dir / "vault" / "objects" / key).glob("*.data"))
    path.chmod(0o600)
    with path.open("r+b") as handle:
        handle.seek(index * BLOCK_SIZE + 7)
        byte = handle.read(1)
        handle.seek(index * BLOCK_SIZE + 7)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_a_range_over_a_tampered_block_is_a_500_and_other_ranges_are_served(installation: Installation) -> None:
    _tamper_block(installation, "big_tampered_block", 30)
    url, headers = installation.url("big_tampered_block"), installation.headers
    over = httpx.get(url, headers={**headers, "Range": f"bytes={30 * BLOCK_SIZE}-{30 * BLOCK_SIZE + 65535}"})
    assert over.status_code == 500 and "%PDF" not in over.text
    assert over.headers["content-type"].startswith("application/problem+json")
    assert _actions(installation, "big_tampered_block")[-2:] == ["read", "integrity_error"]
    elsewhere = httpx.get(url, headers={**headers, "Range": "bytes=0-65535"}, timeout=60)
    assert elsewhere.status_code == 206 and elsewhere.content == BIG[:65536]  # only its own block was read
    # a range that starts before the tampered block breaks off before any of that block's bytes
    received = bytearray()
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("GET", url, headers={**headers, "Range": f"bytes={10 * BLOCK_SIZE}-"}, timeout=120) as response,
    ):
        assert response.status_code == 206
        for piece in response.iter_raw():
            received += piece
    assert len(received) <= 20 * BLOCK_SIZE and received == BIG[10 * BLOCK_SIZE : 10 * BLOCK_SIZE + len(received)]


def test_a_2_mb_pdf_is_sent_block_by_block_intact(installation: Installation) -> None:
    digest = hashlib.sha256()
    with httpx.stream("GET", installation.url("medium"), headers=installation.headers, timeout=60) as response:
        assert response.status_code == 200 and response.headers["content-length"] == str(len(MEDIUM))
        for piece in response.iter_raw():
            digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(MEDIUM).hexdigest()
    assert _actions(installation, "medium")[-1] == "read"


def test_a_tampered_middle_block_cuts_the_reply_before_its_bytes(installation: Installation) -> None:
    """Blocks 0-3 matched and went out; block 4 fails its digest: the reply breaks off short of Content-Length
    before any byte of it, with the alert and the `integrity_error` link."""
    _tamper_block(installation, "medium_tampered", 4)
    received = bytearray()
    url, headers = installation.url("medium_tampered"), installation.headers
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url, headers=headers, timeout=60) as response:
        assert response.status_code == 200 and response.headers["content-length"] == str(len(MEDIUM))
        for piece in response.iter_raw():
            received += piece
    assert len(received) <= 4 * BLOCK_SIZE and received == MEDIUM[: len(received)]
    assert _actions(installation, "medium_tampered")[-2:] == ["read", "integrity_error"]
    assert "vault.integrity_alert" in installation.stack.log_tail("server", 200)
    healthy = httpx.get(installation.url("medium"), headers=headers, timeout=60)
    assert healthy.status_code == 200 and healthy.content == MEDIUM  # the server carries on


def test_a_tampered_first_block_is_a_500_before_any_byte(installation: Installation) -> None:
    _tamper_block(installation, "medium_first_tampered", 0)
    response = httpx.get(installation.url("medium_first_tampered"), headers=installation.headers, timeout=60)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json") and "%PDF" not in response.text
    assert _actions(installation, "medium_first_tampered")[-2:] == ["read", "integrity_error"]


def test_a_version_without_block_digests_is_verified_whole(installation: Installation) -> None:
    """Versions stored before block digests (NULL columns) keep the whole-verify path: intact bytes as one body,
    a mismatch a 500 before any byte."""
    for name in ("medium_old", "medium_old_corrupt"):
        with installation.catalogue() as db:
            db.execute(
                "UPDATE document_versions SET block_size = NULL, block_digests = NULL WHERE document_id = ?",
                (installation.ids[name],),
            )
    response = httpx.get(installation.url("medium_old"), headers=installation.headers, timeout=60)
    assert response.status_code == 200 and response.content == MEDIUM
    _corrupt(installation, "medium_old_corrupt")
    corrupt = httpx.get(installation.url("medium_old_corrupt"), headers=installation.headers, timeout=60)
    assert corrupt.status_code == 500 and "%PDF" not in corrupt.text
    assert _actions(installation, "medium_old_corrupt")[-2:] == ["read", "integrity_error"]
