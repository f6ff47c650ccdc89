"""A writer SIGKILLed between object put and catalogue commit leaves nothing visible; fsck repairs it.

Runs on the local store with SQLite and on the S3 server with PostgreSQL. Also: fsck reports hash mismatches
and missing objects, leaves fresh writes alone, and is safe to run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.settings import core_settings, data_secret
from core.types import Actor, Role
from tests.support.s3server import S3Endpoint
from tests.vault.conftest import AGENCY, PERSON, PROCEDURE, catalogue_url
from vault.db import make_engine, session_factory
from vault.models import DocumentVersion, PendingWrite
from vault.records import NewDocument
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore, make_store

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = Actor("citizen-1", Role.CITIZEN, owner_id=PERSON)


def _settings(
    request: pytest.FixtureRequest, store_kind: str, db_url: str, tmp_path: Path
) -> tuple[VaultSettings, dict[str, str]]:
    # The writer runs outside the embedded default: it reads this process's keys from the files they live in.
    core = core_settings()
    data_secret(core, "vault-partition-key")
    data_secret(core, "vault-sse-c-key")
    env = {
        "SOHOA_VAULT_DATABASE_URL": db_url,
        "SOHOA_VAULT_OBJECTS_DIR": str(tmp_path / "objects"),
        "SOHOA_OWNER_KEY_FILE": str(core.data_dir / "secrets" / "vault-partition-key"),
        "SOHOA_VAULT_SSE_KEY_FILE": str(core.data_dir / "secrets" / "vault-sse-c-key"),
    }
    if store_kind == "s3":
        endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
        env |= {
            "SOHOA_VAULT_S3_ENDPOINT": endpoint.endpoint,
            "SOHOA_VAULT_S3_ACCESS_KEY": endpoint.access_key,
            "SOHOA_VAULT_S3_SECRET_KEY": endpoint.secret_key,
            "SOHOA_VAULT_S3_SECURE": str(endpoint.secure).lower(),
            "SOHOA_VAULT_S3_BUCKET": "sohoa-crash-" + os.urandom(4).hex(),
        }
    fields = {k.removeprefix("SOHOA_VAULT_").lower(): v for k, v in env.items()}
    return VaultSettings(**fields), env  # type: ignore[arg-type]


@pytest.fixture(params=["local-sqlite", "s3-postgresql"])
def crash_setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Vault, dict[str, str]]]:
    """A vault on the local store + SQLite, or on the S3 server + PostgreSQL, and the env that names it."""
    store_kind, db_kind = request.param.split("-")
    with catalogue_url(db_kind, tmp_path) as db_url:
        settings, env = _settings(request, store_kind, db_url, tmp_path)
        engine = make_engine(db_url)
        yield Vault(session_factory(engine), make_store(settings), settings), env
        engine.dispose()


def _run_until(label: str, env: dict[str, str], code: str) -> None:
    """Start the writer, wait for its hook's line, SIGKILL it there."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/vault/crash_writer.py"), label, code, PERSON, AGENCY],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert line == label.upper().replace("_", "-"), process.stderr.read().decode() if process.stderr else line


@pytest.mark.slow
def test_killed_after_put_is_rolled_forward_by_fsck(crash_setup: tuple[Vault, dict[str, str]]) -> None:
    vault, env = crash_setup
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    _run_until("after_put", env, dossier.code)
    assert vault.list_owner_documents(PERSON, CITIZEN) == []  # nothing dangling is visible
    assert vault.dossier_documents(dossier.code, CITIZEN) == []
    fresh = vault.fsck(repair=True)  # default grace: a write in progress is left alone
    assert len(fresh.pending_writes) == 1 and not fresh.completed_writes
    report = vault.fsck(repair=True, grace_seconds=0)
    assert len(report.completed_writes) == 1 and not report.orphan_objects
    [document] = vault.list_owner_documents(PERSON, CITIZEN)
    with vault.open_content(document.id, CITIZEN) as content:
        assert content.read().startswith(b"%PDF-1.7 crash test")
    assert [d.document.id for d in vault.dossier_documents(dossier.code, CITIZEN)] == [document.id]
    assert vault.fsck(repair=True, grace_seconds=0).clean  # safe to run again
    assert vault.verify_audit_chain() == []


@pytest.mark.slow
def test_a_redelivered_write_recovers_the_crashed_one(crash_setup: tuple[Vault, dict[str, str]]) -> None:
    """The pipeline redelivers with the same idempotency key: the crashed write is rolled forward, no copy."""
    vault, env = crash_setup
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    _run_until("after_put", env, dossier.code)
    vault.settings.fsck_grace_seconds = 0
    station = Actor("station-1", Role.STATION, agency_code=AGENCY)
    new = NewDocument(owner_id=PERSON, name="Giấy khai sinh", source_dossier_code=dossier.code)
    again = vault.store_document(new, b"%PDF-1.7 crash test\n%%EOF\n", station, idempotency_key="batch-9:0")
    assert [d.id for d in vault.list_owner_documents(PERSON, CITIZEN)] == [again.id]
    assert vault.fsck(repair=False, grace_seconds=0).clean


@pytest.mark.slow
def test_killed_before_put_is_rolled_back_by_fsck(crash_setup: tuple[Vault, dict[str, str]]) -> None:
    vault, env = crash_setup
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    _run_until("before_put", env, dossier.code)
    report = vault.fsck(repair=True, grace_seconds=0)
    assert len(report.rolled_back_writes) == 1
    with vault.sessions() as session:
        assert session.execute(select(PendingWrite)).first() is None
    assert vault.list_owner_documents(PERSON, CITIZEN) == []
    assert vault.fsck(repair=False).clean


def test_fsck_reports_hash_mismatch_and_missing_objects(vault: Vault, tmp_path: Path) -> None:
    store = vault.store
    assert isinstance(store, LocalStore)
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    station = Actor("station-1", Role.STATION, agency_code=AGENCY)
    docs = [
        vault.store_document(
            NewDocument(owner_id=PERSON, name=f"Giấy {n}", source_dossier_code=dossier.code),
            f"%PDF-1.7 document {n}".encode() * 50,
            station,
        )
        for n in range(3)
    ]
    with vault.sessions() as session:
        rows = {
            v.document_id: (v.object_key, v.object_version_id)
            for v in session.execute(select(DocumentVersion)).scalars()
        }
    key, version = rows[docs[0].id]
    data = store.root / key / f"{version}.data"
    data.chmod(0o644)
    blob = bytearray(data.read_bytes())
    blob[20] ^= 0x01
    data.write_bytes(bytes(blob))
    key, version = rows[docs[1].id]
    (store.root / key / f"{version}.data").unlink()
    quick = vault.fsck(grace_seconds=0, verify_hashes=False)
    assert quick.missing_objects == [docs[1].id] and quick.hash_mismatches == []
    report = vault.fsck(repair=True, grace_seconds=0)
    assert report.hash_mismatches == [docs[0].id]
    assert report.missing_objects == [docs[1].id]
    assert report.checked_versions == 3
    from vault.errors import IntegrityError

    with pytest.raises(IntegrityError):
        vault.open_content(docs[0].id, CITIZEN)
    with vault.open_content(docs[2].id, CITIZEN) as content:
        assert content.read().startswith(b"%PDF-1.7 document 2")
    unknown = store.put("00ff/orphan/v1.pdf", b"orphan", retain_until=None)
    assert f"{unknown.key}@{unknown.version_id}" in vault.fsck(repair=True).deleted_orphans
