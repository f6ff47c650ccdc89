"""Fixtures of the vault tests: object stores (local and a real S3 server), catalogues on SQLite and PostgreSQL.

PostgreSQL gets a private schema per test (dropped after), so parallel runs and tests never collide.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.pgschema import private_schema
from tests.support.s3server import S3Endpoint, s3_server
from vault.db import make_engine, migrate, session_factory
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore, ObjectStore, S3Store

PG_URL = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

PERSON = "001090123456"  # Hà Nội, male, born 1990
OTHER_PERSON = "079195000123"  # TP HCM, female, born 1995
COMPANY = "0100109106"
AGENCY = "000.00.12.H30"
OTHER_AGENCY = "000.00.15.H38"
PROCEDURE = "1.011442.000.00.00.H30"


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    """SeaweedFS on loopback for the session (or the server of SOHOA_TEST_S3_ENDPOINT)."""
    with s3_server(tmp_path_factory.mktemp("seaweed")) as endpoint:
        yield endpoint


# MinIO refuses SSE-C over plain HTTP: run against such a server with SOHOA_TEST_S3_SSE=none (or s3 with a KMS).
DEFAULT_TEST_SSE = os.environ.get("SOHOA_TEST_S3_SSE", "ssec")


def make_s3_store(endpoint: S3Endpoint, sse: str | None = None) -> S3Store:
    """A store on a fresh locked bucket of the test server (SSE-C with a random key by default)."""
    sse = sse or DEFAULT_TEST_SSE
    return S3Store(
        endpoint.endpoint,
        endpoint.access_key,
        endpoint.secret_key,
        "sohoa-test-" + secrets.token_hex(6),
        secure=endpoint.secure,
        sse=sse,
        sse_key=secrets.token_bytes(32) if sse == "ssec" else None,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    """The same contract suite runs on both stores."""
    if request.param == "local":
        return LocalStore(tmp_path / "objects")
    return make_s3_store(request.getfixturevalue("s3_endpoint"))


@contextmanager
def catalogue_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty catalogue on SQLite (a file) or PostgreSQL (a private schema, dropped after)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
        migrate(url)
        yield url
        return
    with private_schema(PG_URL, "vault_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with catalogue_url(request.param, tmp_path) as url:
        yield url


def build_vault(url: str, store: ObjectStore, **settings: object) -> Vault:
    engine = make_engine(url)
    return Vault(session_factory(engine), store, VaultSettings(database_url=url, **settings))  # type: ignore[arg-type]


@pytest.fixture
def vault(db_url: str, tmp_path: Path) -> Iterator[Vault]:
    """A vault on each catalogue backend with the local store (the S3 path has its own tests)."""
    built = build_vault(db_url, LocalStore(tmp_path / "objects"))
    yield built
    built.sessions.kw["bind"].dispose()
