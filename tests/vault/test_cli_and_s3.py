"""The vault's commands (`sohoa vault fsck|legal-hold|migrate`, `sohoa audit verify`) on a fresh data dir,
the Vault on a real S3 server (legal hold through the catalogue), and the S3 server surviving a restart.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from core.settings import core_settings
from core.types import Actor, Role
from runtime import audit_cli
from runtime.catalogue import open_vault
from runtime.cli import staging_check
from tests.support.s3server import S3Endpoint, SeaweedServer, endpoint_from_env
from tests.vault.conftest import AGENCY, PERSON, PROCEDURE, build_vault, make_s3_store
from vault.cli import register
from vault.errors import ObjectLocked
from vault.records import NewDocument
from vault.settings import vault_settings

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
ADMIN = Actor("admin-1", Role.ADMIN)
PDF = b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\n"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the vault's settings at a fresh SQLite catalogue and local store under tmp_path."""
    monkeypatch.setenv("SOHOA_VAULT_DATABASE_URL", f"sqlite:///{tmp_path / 'cat' / 'vault.sqlite3'}")
    monkeypatch.setenv("SOHOA_VAULT_OBJECTS_DIR", str(tmp_path / "objects"))
    for name in ("SOHOA_VAULT_S3_ENDPOINT",):
        monkeypatch.delenv(name, raising=False)
    owner_key = tmp_path / "owner.key"  # a database URL is set: the operator names the owner key
    owner_key.write_bytes(os.urandom(32))
    owner_key.chmod(0o600)
    monkeypatch.setenv("SOHOA_OWNER_KEY_FILE", str(owner_key))
    vault_settings.cache_clear()
    core_settings.cache_clear()
    yield tmp_path
    vault_settings.cache_clear()
    core_settings.cache_clear()


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app, open_vault, staging_check)
    audit_cli.register(app)
    return app


def test_cli_commands_on_a_fresh_data_dir(cli_env: Path) -> None:
    runner = CliRunner()
    app = _app()
    assert runner.invoke(app, ["vault", "migrate"]).exit_code == 0
    vault = open_vault()
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    doc = vault.store_document(NewDocument(owner_id=PERSON, name="Đơn", source_dossier_code=dossier.code), PDF, STATION)

    result = runner.invoke(app, ["vault", "fsck", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["checked_versions"] == 1

    result = runner.invoke(app, ["vault", "legal-hold", doc.id, "--set"])
    assert result.exit_code == 0, result.output
    assert vault.document_versions(doc.id, ADMIN)[0].legal_hold
    runner.invoke(app, ["vault", "legal-hold", doc.id, "--clear"])
    assert not vault.document_versions(doc.id, ADMIN)[0].legal_hold
    result = runner.invoke(app, ["vault", "legal-hold", "0" * 32, "--set"])
    assert result.exit_code == 2 and "no document" in result.output

    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    with vault.sessions.begin() as session:
        session.execute(text("UPDATE access_log SET purpose = 'sửa' WHERE seq = 2"))
        bad_id = session.execute(text("SELECT id FROM access_log WHERE seq = 2")).scalar_one()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"row {bad_id}" in result.output


def test_the_vault_on_s3_keeps_retention_and_legal_hold(s3_endpoint: S3Endpoint, tmp_path: Path) -> None:
    from vault.db import migrate

    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    migrate(url)
    store = make_s3_store(s3_endpoint)
    vault = build_vault(url, store)
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    doc = vault.store_document(NewDocument(owner_id=PERSON, name="Đơn", source_dossier_code=dossier.code), PDF, STATION)
    [version] = vault.document_versions(doc.id, ADMIN)
    assert version.retain_until is not None and version.retain_until.year >= 2035  # component: 10 years
    vault.set_legal_hold(doc.id, True, ADMIN)
    key = next(iter(store.iter_objects())).key
    assert PERSON not in key
    version_id = next(iter(store.iter_objects())).version_id
    assert store.lock_state(key, version_id).legal_hold
    with pytest.raises(ObjectLocked):
        store.delete(key, version_id)
    with vault.open_content(doc.id, Actor("c", Role.CITIZEN, owner_id=PERSON)) as content:
        assert content.read() == PDF


@pytest.mark.slow
def test_the_s3_server_restarts_on_the_same_port_and_data(tmp_path: Path) -> None:
    if endpoint_from_env():
        pytest.skip("an external S3 server is not ours to restart")
    server = SeaweedServer(tmp_path / "weed")
    server.start()
    try:
        store = make_s3_store(server.endpoint, sse="none")
        stored = store.put("k/doc/v1.pdf", PDF, retain_until=None)
        endpoint = server.endpoint.endpoint
        server.stop()
        assert server.process is not None and server.process.poll() is not None
        server.start()
        assert server.endpoint.endpoint == endpoint
        with store.open(stored.key, stored.version_id, stored.sha256) as content:
            assert content.read() == PDF
    finally:
        server.stop()
    assert os.path.isdir(server.data_dir)
