"""S3Store: the vault's objects in MinIO (production) or any S3 endpoint, through the `minio` SDK.

The bucket is created with versioning and object lock; each version gets COMPLIANCE retention and may get a
legal hold; SSE-C (key from the data dir) or SSE-S3 as configured. SHA-256 is checked on every read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.retention import Retention
from minio.sse import Sse, SseCustomerKey, SseS3

from vault.errors import ObjectLocked, ObjectMissing, StoreUnavailable
from vault.store.base import LockState, ObjectStore, ObjectVersion
from vault.store.source import PreparedSource

SHA256_META = "x-amz-meta-sha256"
_MISSING = {"NoSuchKey", "NoSuchVersion", "NoSuchObjectLockConfiguration", "InvalidArgument"}
_LOCKED = {"AccessDenied", "ObjectLocked", "InvalidRequest"}


def _translate(exc: S3Error, key: str, version_id: str | None) -> Exception:
    if exc.code in {"NoSuchKey", "NoSuchVersion"}:
        return ObjectMissing(f"no version {version_id} of {key}")
    return StoreUnavailable(f"S3 error {exc.code} on {key}")


def default_http_client() -> urllib3.PoolManager:
    """Connection pool with short retries on gateway errors only: a 500 (a corrupt needle) is not retried."""
    retry = urllib3.Retry(total=3, backoff_factor=0.1, status_forcelist=[502, 503, 504], allowed_methods=None)
    timeout = urllib3.Timeout(connect=5.0, read=60.0)
    return urllib3.PoolManager(maxsize=16, retries=retry, timeout=timeout)


def new_client(
    endpoint: str,
    access_key: str,
    secret_key: str,
    *,
    secure: bool = False,
    region: str | None = None,
    http_client: urllib3.PoolManager | None = None,
) -> Minio:
    """A client of the endpoint, through `default_http_client` unless given another pool."""
    http = http_client or default_http_client()
    return Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region, http_client=http)


def sse_for(sse: str, sse_key: bytes | None) -> tuple[Sse | None, SseCustomerKey | None]:
    """The encryption of writes and the key reads must present: SSE-C (`ssec`, the key), SSE-S3 (`s3`), none."""
    if sse == "ssec":
        if not sse_key:
            raise ValueError("SSE-C needs a 32-byte key")
        customer = SseCustomerKey(sse_key)
        return customer, customer
    if sse == "s3":
        return SseS3(), None
    return None, None


def make_bucket_if_missing(client: Minio, bucket: str, *, object_lock: bool = False) -> None:
    """Create `bucket` unless it exists. Another process of the installation creating it at the same moment (the
    API and the workers on their first boot) is not an error: the bucket is then the one it made, with the same
    settings, since every process creates it with this function."""
    if client.bucket_exists(bucket):
        return
    try:
        client.make_bucket(bucket, object_lock=object_lock)
    except S3Error as exc:
        if exc.code != "BucketAlreadyOwnedByYou":
            raise


class S3Store(ObjectStore):
    """Objects in one bucket with versioning + object lock; COMPLIANCE retention, legal hold, SSE."""

    name = "s3"

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str | None = None,
        sse: str = "ssec",
        sse_key: bytes | None = None,
        http_client: urllib3.PoolManager | None = None,
    ) -> None:
        self.bucket = bucket
        client = new_client(endpoint, access_key, secret_key, secure=secure, region=region, http_client=http_client)
        self.client = client
        self._put_sse, self._ssec = sse_for(sse, sse_key)
        self.ensure_bucket()

    def ensure_bucket(self) -> None:
        """Create the bucket with object lock (which turns versioning on) when it does not exist."""
        try:
            make_bucket_if_missing(self.client, self.bucket, object_lock=True)
            status = self.client.get_bucket_versioning(self.bucket).status
        except S3Error as exc:
            raise StoreUnavailable(f"S3 bucket {self.bucket}: {exc.code}") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(f"S3 endpoint unreachable: {type(exc).__name__}") from exc
        if status != "Enabled":
            raise StoreUnavailable(f"bucket {self.bucket} exists without versioning/object lock")

    def _latest_lock(self, key: str, *, new_key: bool) -> LockState | None:
        latest = None if new_key else self._head(key, None)
        return None if latest is None else self._lock_from_head(latest)

    def _write(self, key: str, src: PreparedSource, *, retain_until: dt.datetime | None, legal_hold: bool) -> str:
        retention = Retention(COMPLIANCE, retain_until) if retain_until else None
        try:
            result = self.client.put_object(
                self.bucket,
                key,
                src.stream,
                src.size,
                content_type="application/pdf",
                metadata={SHA256_META: src.sha256},
                sse=self._put_sse,
                retention=retention,
                legal_hold=legal_hold,
            )
        except S3Error as exc:
            raise _translate(exc, key, None) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(f"S3 write of {key} failed: {type(exc).__name__}") from exc
        if not result.version_id:
            raise StoreUnavailable(f"bucket {self.bucket} returned no version id: versioning is off")
        return str(result.version_id)

    def _chunks(
        self, key: str, version_id: str, size: int, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        try:
            response = self.client.get_object(
                self.bucket, key, offset=offset, length=length or 0, version_id=version_id, ssec=self._ssec
            )
        except S3Error as exc:
            raise _translate(exc, key, version_id) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(f"S3 read of {key} failed: {type(exc).__name__}") from exc
        try:
            yield from response.stream(size)
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(f"S3 read of {key} broke off: {type(exc).__name__}") from exc
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str, version_id: str) -> None:
        try:
            self.client.remove_object(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            if exc.code in _LOCKED:
                raise ObjectLocked(f"{key} version {version_id} is under retention or legal hold") from exc
            raise _translate(exc, key, version_id) from exc

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        try:
            if on:
                self.client.enable_object_legal_hold(self.bucket, key, version_id=version_id)
            else:
                self.client.disable_object_legal_hold(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            raise _translate(exc, key, version_id) from exc

    def _head(self, key: str, version_id: str | None) -> Any | None:
        try:
            return self.client.stat_object(self.bucket, key, version_id=version_id, ssec=self._ssec)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchVersion", "ResourceNotFound"}:
                return None
            raise _translate(exc, key, version_id) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(f"S3 endpoint unreachable: {type(exc).__name__}") from exc

    @staticmethod
    def _lock_from_head(head: Any) -> LockState:
        meta = {k.lower(): v for k, v in (head.metadata or {}).items()}
        until = meta.get("x-amz-object-lock-retain-until-date")
        hold = meta.get("x-amz-object-lock-legal-hold", "OFF").upper() == "ON"
        parsed = dt.datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None
        return LockState(parsed, hold)

    def lock_state(self, key: str, version_id: str) -> LockState:
        head = self._head(key, version_id)
        if head is None:
            raise ObjectMissing(f"no version {version_id} of {key}")
        return self._lock_from_head(head)

    def versions(self, key: str) -> list[ObjectVersion]:
        found = [v for v in self._list(key) if v.key == key]
        return sorted(found, key=lambda v: v.last_modified or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)

    def _list(self, prefix: str) -> Iterator[ObjectVersion]:
        try:
            for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True, include_version=True):
                yield ObjectVersion(
                    obj.object_name or "",
                    obj.version_id or "",
                    obj.size or 0,
                    obj.last_modified,
                    bool(obj.is_delete_marker),
                )
        except S3Error as exc:
            raise StoreUnavailable(f"S3 listing failed: {exc.code}") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(f"S3 endpoint unreachable: {type(exc).__name__}") from exc

    def exists(self, key: str, version_id: str | None = None) -> bool:
        return self._head(key, version_id) is not None

    def iter_objects(self, prefix: str = "") -> Iterator[ObjectVersion]:
        return (v for v in self._list(prefix) if not v.is_delete_marker)
