"""Signed PDFs through a real `sohoa serve` on the folder store and on S3 (SeaweedFS): a 20 MB object streams intact
with its digest, byte ranges (as pdf.js asks for them) return the right bytes, and a corrupt object is never
delivered as a clean, complete response (the connection breaks off short of Content-Length, or a 500 before any
byte when the object is small enough to be checked first). Every read is in the access log.
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
    for name, data in ((name, SMALL if name.startswith("small") else BIG) for name in names):
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
        assert len(digests) == DIGEST * -(-len(BIG) // BLOCK_SIZE)  # written with the version
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
