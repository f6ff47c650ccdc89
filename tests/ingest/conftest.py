"""Fixtures of the pipeline's tests: a SeaweedFS S3 server for the session (object staging), and a staging area
of each kind, folder and object store, for the tests that must hold on both.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.staging import FolderArea, StagingArea
from ingest.staging_s3 import ObjectArea
from tests.support.s3server import S3Endpoint, s3_server


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    with s3_server(tmp_path_factory.mktemp("seaweed")) as endpoint:
        yield endpoint


def object_area(endpoint: S3Endpoint, *, sse_key: bytes | None = None) -> ObjectArea:
    """A fresh staging bucket on the test server, SSE-C with a random key (as the vault's)."""
    return ObjectArea.connect(
        endpoint.endpoint,
        endpoint.access_key,
        endpoint.secret_key,
        "sohoa-staging-" + secrets.token_hex(5),
        secure=endpoint.secure,
        sse="ssec",
        sse_key=sse_key or secrets.token_bytes(32),
    )


@pytest.fixture(params=["folder", "object"])
def area(request: pytest.FixtureRequest, tmp_path: Path) -> StagingArea:
    if request.param == "folder":
        return FolderArea(tmp_path / "batches")
    return object_area(request.getfixturevalue("s3_endpoint"))
