"""Batch staging in the object store (the vault's S3 endpoint, a bucket of its own): the API publishes a batch's
files there, any worker on any machine reads them and passes its step's output on the same way.

The bucket is not versioned and has a lifecycle rule that expires what a sweep missed; removing a batch removes
every version of its objects (personal data). Writes use the vault's encryption (SSE-C with its key, or SSE-S3).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, Filter
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.lifecycleconfig import AbortIncompleteMultipartUpload, Expiration, LifecycleConfig, Rule

from core.files import private_folder, write_atomically
from core.logging import get_logger
from ingest.staging import StagedBatch
from vault.errors import StoreUnavailable
from vault.store.s3 import make_bucket_if_missing, new_client, sse_for

log = get_logger("sohoa.staging")
SCHEME = "s3://"


@contextmanager
def _reachable(what: str) -> Iterator[None]:
    """S3 faults as `StoreUnavailable` (the pipeline retries it); a missing object as `FileNotFoundError`."""
    try:
        yield
    except S3Error as exc:
        if exc.code in {"NoSuchKey", "NoSuchVersion"}:
            raise FileNotFoundError(what) from exc
        raise StoreUnavailable(f"staging {what}: S3 error {exc.code}") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise StoreUnavailable(f"staging {what}: {type(exc).__name__}") from exc


class ObjectBatch:
    """One batch's objects under `<prefix><batch id>/` of the staging bucket."""

    def __init__(self, area: ObjectArea, batch_id: str) -> None:
        self.area = area
        self.batch_id = batch_id
        self.base = f"{area.prefix}{batch_id}/"
        self.location = f"{SCHEME}{area.bucket}/{self.base}"

    def put(self, name: str, data: bytes) -> None:
        with _reachable(name):
            self.area.client.put_object(
                self.area.bucket, self.base + name, io.BytesIO(data), len(data), sse=self.area.put_sse
            )

    def put_file(self, name: str, path: Path) -> None:
        with _reachable(name):
            self.area.client.fput_object(self.area.bucket, self.base + name, str(path), sse=self.area.put_sse)

    def get(self, name: str) -> bytes:
        with _reachable(name):
            response = self.area.client.get_object(self.area.bucket, self.base + name, ssec=self.area.ssec)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def exists(self, name: str) -> bool:
        try:
            with _reachable(name):
                self.area.client.stat_object(self.area.bucket, self.base + name, ssec=self.area.ssec)
        except FileNotFoundError:
            return False
        return True

    def local_copy(self, name: str, into: Path) -> Path:
        """The object as a private file in `into` (this host's own work folder), for decoders that read paths."""
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"{name!r} is not a name inside the batch's staging")
        target = into / relative  # the same relative name: two zip entries may share a base name
        private_folder(target.parent, exist_ok=True)
        write_atomically(target, self.get(name))
        return target

    def remove(self, prefix: str = "") -> None:
        """Delete every version of every object of the batch (or of its names under `prefix`)."""
        with _reachable(self.base + prefix):
            listed = self.area.client.list_objects(
                self.area.bucket, prefix=self.base + prefix, recursive=True, include_version=True
            )
            doomed = [DeleteObject(obj.object_name or "", obj.version_id) for obj in listed]
            errors = list(self.area.client.remove_objects(self.area.bucket, doomed)) if doomed else []
        if errors:
            raise StoreUnavailable(f"staging of batch {self.batch_id}: {len(errors)} objects not deleted")


class ObjectArea:
    """The staging bucket (created on first use, with its lifecycle rule) on the vault's S3 endpoint."""

    kind = "object"

    def __init__(
        self,
        client: Minio,
        bucket: str,
        *,
        prefix: str = "batches/",
        sse: str = "ssec",
        sse_key: bytes | None = None,
        expire_days: int = 2,
    ) -> None:
        self.client, self.bucket, self.prefix, self.expire_days = client, bucket, prefix, expire_days
        self.put_sse, self.ssec = sse_for(sse, sse_key)
        self.ensure_bucket()

    @classmethod
    def connect(
        cls,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str | None = None,
        prefix: str = "batches/",
        sse: str = "ssec",
        sse_key: bytes | None = None,
        expire_days: int = 2,
    ) -> ObjectArea:
        """The staging bucket on an endpoint, through the vault's connection pool settings."""
        client = new_client(endpoint, access_key, secret_key, secure=secure, region=region)
        return cls(client, bucket, prefix=prefix, sse=sse, sse_key=sse_key, expire_days=expire_days)

    def ensure_bucket(self) -> None:
        with _reachable(f"bucket {self.bucket}"):
            make_bucket_if_missing(self.client, self.bucket)
        self._lifecycle()

    def lifecycle_rule(self) -> Rule:
        """Objects under the prefix expire after `expire_days`; unfinished multipart uploads after one day."""
        return Rule(
            ENABLED,
            rule_filter=Filter(prefix=self.prefix),
            rule_id="sohoa-staging-abandoned",
            expiration=Expiration(days=self.expire_days),
            abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(days_after_initiation=1),
        )

    def _lifecycle(self) -> None:
        try:
            self.client.set_bucket_lifecycle(self.bucket, LifecycleConfig([self.lifecycle_rule()]))
        except S3Error as exc:  # a server without lifecycle support: the sweep alone removes leftovers
            log.warning("staging lifecycle rule refused", bucket=self.bucket, error=exc.code)

    def batch(self, batch_id: str) -> ObjectBatch:
        return ObjectBatch(self, batch_id)

    def publish(self, batch_id: str, spool: Path, names: list[str]) -> str:
        """Copy the spooled batch's files (relative names) into the bucket; the location the workers open."""
        staged = self.batch(batch_id)
        for name in names:
            staged.put_file(name, spool / name)
        return staged.location

    def open(self, location: str) -> ObjectBatch:
        prefix = f"{SCHEME}{self.bucket}/{self.prefix}"
        if not location.startswith(prefix):
            raise ValueError(f"staging {location!r} is not in this installation's staging bucket")
        return self.batch(location.removeprefix(prefix).rstrip("/"))

    def listing(self) -> list[StagedBatch]:
        newest: dict[str, float] = {}
        with _reachable("listing"):
            for obj in self.client.list_objects(self.bucket, prefix=self.prefix, recursive=True):
                batch_id = (obj.object_name or "").removeprefix(self.prefix).split("/", 1)[0]
                stamp = obj.last_modified.timestamp() if obj.last_modified else 0.0
                newest[batch_id] = max(newest.get(batch_id, 0.0), stamp)
        return [StagedBatch(b, self.batch(b).location, t) for b, t in sorted(newest.items()) if b]
