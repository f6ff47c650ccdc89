"""Two processes of one installation creating the same bucket on their first boot (the API and a worker started
together: compose, `tests/deploy/test_services_on_host.py`): the one that loses the race carries on. Before, it
stopped with "staging bucket sohoa-staging: S3 error BucketAlreadyOwnedByYou".
"""

from __future__ import annotations

import secrets

from minio import Minio

from ingest.staging_s3 import ObjectArea
from tests.support.s3server import S3Endpoint
from tests.vault.conftest import s3_endpoint as s3_endpoint  # the SeaweedFS fixture
from vault.store.s3 import make_bucket_if_missing


class LateClient(Minio):
    """A client that looked before the other process created the bucket: it still sees none."""

    def bucket_exists(self, bucket_name: str) -> bool:
        return False


def late_client(endpoint: S3Endpoint) -> LateClient:
    return LateClient(endpoint.endpoint, endpoint.access_key, endpoint.secret_key, secure=endpoint.secure)


def test_the_process_that_loses_the_bucket_race_carries_on(s3_endpoint: S3Endpoint) -> None:
    bucket = "sohoa-race-" + secrets.token_hex(4)
    first = s3_endpoint.client()
    make_bucket_if_missing(first, bucket, object_lock=True)
    make_bucket_if_missing(late_client(s3_endpoint), bucket, object_lock=True)  # made meanwhile: no error
    assert first.bucket_exists(bucket)
    assert first.get_bucket_versioning(bucket).status == "Enabled"  # the winner's object lock is what stays


def test_a_staging_area_started_in_the_race_is_usable(s3_endpoint: S3Endpoint) -> None:
    bucket = "sohoa-staging-" + secrets.token_hex(4)
    make_bucket_if_missing(s3_endpoint.client(), bucket)
    area = ObjectArea(late_client(s3_endpoint), bucket, sse="none", expire_days=7)
    assert area.bucket == bucket and s3_endpoint.client().bucket_exists(bucket)
