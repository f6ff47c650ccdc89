"""The ObjectStore contract, run unchanged against LocalStore and S3Store (SeaweedFS over HTTP, or MinIO).

Covers round trips and ranges, SHA-256 checked on read, retention refusing delete and overwrite, legal hold,
versions, and a flipped byte in stored data never being served.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest

from tests.support.s3server import S3Endpoint
from vault.errors import IntegrityError, InvalidInput, ObjectLocked, ObjectMissing, StoreUnavailable
from vault.store import LocalStore, ObjectStore, S3Store

PDF = b"%PDF-1.7\n" + os.urandom(300_000) + b"\n%%EOF\n"


def soon(days: int = 1) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def test_put_then_open_returns_the_bytes_and_their_digest(store: ObjectStore) -> None:
    stored = store.put("p1/doc1/v1.pdf", PDF, retain_until=soon())
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.size == len(PDF)
    with store.open(stored.key, stored.version_id, stored.sha256) as content:
        assert b"".join(content) == PDF
    assert store.exists(stored.key)
    assert store.exists(stored.key, stored.version_id)
    assert not store.exists("p1/doc1/v2.pdf")


def test_a_path_source_and_a_byte_range(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(PDF)
    stored = store.put("p1/doc2/v1.pdf", source, retain_until=soon())
    with store.open(stored.key, stored.version_id, stored.sha256, byte_range=(10, 19)) as part:
        assert part.read() == PDF[10:20]
        assert (part.start, part.end, part.total_size) == (10, 19, len(PDF))
    with store.open(stored.key, stored.version_id, stored.sha256, byte_range=(len(PDF) - 5, None)) as tail:
        assert tail.read() == PDF[-5:]
    with pytest.raises(InvalidInput):
        store.open(stored.key, stored.version_id, stored.sha256, byte_range=(len(PDF) + 1, None))


def test_a_wrong_expected_digest_is_an_integrity_error(store: ObjectStore) -> None:
    stored = store.put("p1/doc3/v1.pdf", PDF, retain_until=soon())
    with pytest.raises(IntegrityError):
        store.open(stored.key, stored.version_id, "0" * 64)
    assert store.digest(stored.key, stored.version_id) == stored.sha256


def test_retention_refuses_delete_and_overwrite(store: ObjectStore) -> None:
    stored = store.put("p1/doc4/v1.pdf", PDF, retain_until=soon())
    state = store.lock_state(stored.key, stored.version_id)
    assert state.retain_until is not None and state.retain_until > dt.datetime.now(dt.UTC)
    with pytest.raises(ObjectLocked):
        store.delete(stored.key, stored.version_id)
    with pytest.raises(ObjectLocked):
        store.put(stored.key, b"replacement", retain_until=None)
    assert [v.version_id for v in store.versions(stored.key)] == [stored.version_id]
    with store.open(stored.key, stored.version_id, stored.sha256) as content:
        assert content.read() == PDF


def test_a_large_object_is_locked_too(store: ObjectStore) -> None:
    """6 MiB: a multipart upload on S3 (5 MiB parts) carries the same retention."""
    big = os.urandom(6 * 1024 * 1024)
    stored = store.put("p1/big/v1.pdf", big, retain_until=soon())
    with pytest.raises(ObjectLocked):
        store.delete(stored.key, stored.version_id)
    with store.open(stored.key, stored.version_id, stored.sha256) as content:
        assert hashlib.sha256(b"".join(content)).hexdigest() == stored.sha256


def test_legal_hold_refuses_delete_until_lifted(store: ObjectStore) -> None:
    stored = store.put("p1/doc5/v1.pdf", PDF, retain_until=None, legal_hold=True)
    assert store.lock_state(stored.key, stored.version_id).legal_hold
    with pytest.raises(ObjectLocked):
        store.delete(stored.key, stored.version_id)
    store.set_legal_hold(stored.key, stored.version_id, False)
    assert not store.lock_state(stored.key, stored.version_id).locked()
    store.delete(stored.key, stored.version_id)
    assert not store.exists(stored.key, stored.version_id)
    later = store.put("p1/doc5b/v1.pdf", PDF, retain_until=None)
    store.set_legal_hold(later.key, later.version_id, True)
    with pytest.raises(ObjectLocked):
        store.delete(later.key, later.version_id)
    store.set_legal_hold(later.key, later.version_id, False)


def test_versions_of_an_unlocked_key_are_all_kept(store: ObjectStore) -> None:
    first = store.put("p1/doc6/v1.pdf", b"first", retain_until=None)
    second = store.put("p1/doc6/v1.pdf", b"second", retain_until=None)
    assert first.version_id != second.version_id
    listed = store.versions("p1/doc6/v1.pdf")
    assert [v.version_id for v in listed] == [second.version_id, first.version_id]
    with store.open(first.key, first.version_id, first.sha256) as old:
        assert old.read() == b"first"
    with store.open(second.key, second.version_id, second.sha256) as new:
        assert new.read() == b"second"
    keys = {(v.key, v.version_id) for v in store.iter_objects("p1/doc6/")}
    assert keys == {(first.key, first.version_id), (second.key, second.version_id)}


def test_a_missing_version_is_reported(store: ObjectStore) -> None:
    stored = store.put("p1/doc7/v1.pdf", b"x", retain_until=None)
    missing = "0" * 19 + "deadbeef" if isinstance(store, LocalStore) else "0" * 32
    with pytest.raises((ObjectMissing, StoreUnavailable)):
        store.open(stored.key, missing, stored.sha256)


def _flip_in_backing_file(root: Path, needle: bytes) -> None:
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {".data", ".dat"}:
            blob = path.read_bytes()
            at = blob.find(needle)
            if at >= 0:
                path.chmod(0o644)
                with path.open("r+b") as handle:
                    handle.seek(at + len(needle) + 100)
                    byte = handle.read(1)
                    handle.seek(at + len(needle) + 100)
                    handle.write(bytes([byte[0] ^ 0x01]))
                return
    raise AssertionError("stored bytes not found on disk")


def test_a_flipped_byte_on_disk_is_never_served_local(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    stored = store.put("p1/doc8/v1.pdf", PDF, retain_until=soon())
    _flip_in_backing_file(tmp_path / "objects", PDF[:64])
    with pytest.raises(IntegrityError):
        store.open(stored.key, stored.version_id, stored.sha256)
    assert store.digest(stored.key, stored.version_id) != stored.sha256


@pytest.mark.slow
def test_a_flipped_byte_on_disk_is_never_served_s3(request: pytest.FixtureRequest) -> None:
    """SeaweedFS checks each needle's CRC and answers 500 (after ~13 s of its own retries); nothing is served."""
    if os.environ.get("SOHOA_TEST_S3_ENDPOINT"):
        pytest.skip("the backing files of an external S3 server are out of reach")
    from tests.vault.conftest import make_s3_store

    endpoint = request.getfixturevalue("s3_endpoint")
    store = make_s3_store(endpoint, sse="none")
    marker = b"FLIP-" + os.urandom(8).hex().encode()
    stored = store.put("p1/doc9/v1.pdf", marker + PDF, retain_until=soon())
    data_root = Path(request.getfixturevalue("tmp_path_factory").getbasetemp())
    _flip_in_backing_file(data_root, marker)
    with pytest.raises((IntegrityError, StoreUnavailable)):
        store.open(stored.key, stored.version_id, stored.sha256)


def test_s3_objects_are_encrypted_with_sse_c(request: pytest.FixtureRequest) -> None:
    """Without the customer key the server refuses the object; on disk the bytes are not in clear."""
    if os.environ.get("SOHOA_TEST_S3_SSE", "ssec") != "ssec":
        pytest.skip("SSE-C is off for this S3 server (SOHOA_TEST_S3_SSE)")
    from tests.vault.conftest import make_s3_store

    endpoint = request.getfixturevalue("s3_endpoint")
    store = make_s3_store(endpoint, sse="ssec")
    marker = b"CLEAR-" + os.urandom(8).hex().encode()
    stored = store.put("p1/doc10/v1.pdf", marker + PDF, retain_until=soon())
    from minio.error import S3Error

    with pytest.raises(S3Error):
        endpoint.client().get_object(store.bucket, stored.key, version_id=stored.version_id).read()
    with store.open(stored.key, stored.version_id, stored.sha256) as content:
        assert content.read().startswith(marker)
    if not os.environ.get("SOHOA_TEST_S3_ENDPOINT"):
        data_root = Path(request.getfixturevalue("tmp_path_factory").getbasetemp())
        assert not any(marker in p.read_bytes() for p in data_root.rglob("*.dat"))


def test_the_s3_bucket_has_versioning_and_object_lock(s3_endpoint: S3Endpoint) -> None:
    from tests.vault.conftest import make_s3_store

    store = make_s3_store(s3_endpoint)
    assert store.client.get_bucket_versioning(store.bucket).status == "Enabled"
    lock = store.client.get_object_lock_config(store.bucket)
    assert lock is not None
    again = S3Store(s3_endpoint.endpoint, s3_endpoint.access_key, s3_endpoint.secret_key, store.bucket, sse="none")
    assert again.bucket == store.bucket  # an existing locked bucket is accepted as it is


def test_a_mismatch_logs_an_alert_without_personal_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import structlog
    from structlog.testing import capture_logs

    from vault.store import verify

    store = LocalStore(tmp_path / "objects")
    stored = store.put("a1b2/doc11/v1.pdf", b"%PDF-1.7 001090123456", retain_until=None)
    with capture_logs() as events:
        monkeypatch.setattr(verify, "log", structlog.get_logger("vault.store.verify"))
        with pytest.raises(IntegrityError):
            store.open(stored.key, stored.version_id, "f" * 64)
    [alert] = [e for e in events if e["event"] == "vault.integrity_alert"]
    assert alert["log_level"] == "error" and alert["alert"] is True
    assert alert["key"] == stored.key and "001090123456" not in str(alert)


def test_s3_objects_with_sse_s3(s3_endpoint: S3Endpoint) -> None:
    """SSE-S3 (the MinIO-with-KMS choice): the server reports AES256 and the bytes read back verified."""
    from tests.vault.conftest import make_s3_store

    if os.environ.get("SOHOA_TEST_S3_ENDPOINT") and os.environ.get("SOHOA_TEST_S3_SSE") != "s3":
        pytest.skip("SSE-S3 needs a KMS on MinIO: set SOHOA_TEST_S3_SSE=s3 when the server has one")
    store = make_s3_store(s3_endpoint, sse="s3")
    stored = store.put("p1/doc12/v1.pdf", PDF, retain_until=soon())
    head = store.client.stat_object(store.bucket, stored.key, version_id=stored.version_id)
    assert {k.lower(): v for k, v in head.metadata.items()}["x-amz-server-side-encryption"] == "AES256"
    with store.open(stored.key, stored.version_id, stored.sha256) as content:
        assert content.read() == PDF
