"""Restore drills: a vault with documents, versions, a legal hold, grants and reads is backed up and restored
onto an empty system; fsck is clean, every document reads back verified, the access log verifies, grants still
work, every document's signature still validates (`signing.validate`) and new writes go on. A second backup copies
only new object versions; a wrong passphrase opens nothing."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import text

from core.settings import core_settings
from core.types import Actor, Role, SignatureLevel, Verdict
from ingest.db import migrate
from signing.devca import ensure_dev_material
from signing.identity import development_identity
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.support.pgschema import private_schema
from tests.vault.conftest import AGENCY, OTHER_AGENCY, PERSON, PG_URL, PROCEDURE, build_vault
from vault.backup import BackupError, backup_keys, create_backup, restore_backup
from vault.backup_codec import SealError
from vault.records import NewDocument
from vault.service import Vault
from vault.store import LocalStore

ROOT = Path(__file__).resolve().parents[2]
STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
HANDLER = Actor("handler-9", Role.HANDLER, agency_code=OTHER_AGENCY, purpose="giải quyết hồ sơ")
CITIZEN = Actor("citizen-1", Role.CITIZEN, owner_id=PERSON)
ADMIN = Actor("admin-1", Role.ADMIN)
PASSPHRASE = "đúng passphrase 2026"


# The development CA and officer of the drill's signatures, made once per run in a folder of their own.
SIGNER_DIR: Path | None = None


@pytest.fixture(scope="module", autouse=True)
def signer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    global SIGNER_DIR
    SIGNER_DIR = tmp_path_factory.mktemp("signer")
    return SIGNER_DIR


def _trust() -> TrustSettings:
    assert SIGNER_DIR is not None
    return TrustSettings(anchors=(ensure_dev_material(SIGNER_DIR, "officer").ca_pem,), use_configured=False)


@functools.cache
def pdf(n: int) -> bytes:
    """Document `n`: a one-page PDF signed (PAdES B-B) by the development officer; the same bytes for the run."""
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    document.docinfo["/Title"] = f"tài liệu {n}"
    plain = io.BytesIO()
    document.save(plain)
    assert SIGNER_DIR is not None
    with DocumentSigner(development_identity(SIGNER_DIR, "officer")) as signer:
        return signer.sign(plain.getvalue(), level=SignatureLevel.B_B, reason=f"tài liệu {n}")


def populate(vault: Vault) -> dict[str, bytes]:
    """Documents (one with a second version, one on legal hold), a grant and logged reads; id -> current bytes."""
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    contents = {}
    for n in range(3):
        new = NewDocument(owner_id=PERSON, name=f"Thành phần {n}", source_dossier_code=dossier.code, type_code="GKS")
        contents[vault.store_document(new, pdf(n), STATION).id] = pdf(n)
    first, second, _ = contents
    vault.new_version(first, pdf(10), STATION)
    contents[first] = pdf(10)
    vault.set_legal_hold(second, True, ADMIN)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    vault.create_grant(PERSON, OTHER_AGENCY, "giải quyết hồ sơ", until, CITIZEN, document_id=first)
    for doc_id in contents:
        vault.get_document(doc_id, CITIZEN)
    return contents


@contextmanager
def catalogue(kind: str, root: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{root / 'catalogue.sqlite3'}"
        migrate(url)
        yield url
        return
    with private_schema(PG_URL, "restore_test", migrated=False) as url:
        migrate(url)
        yield url


@pytest.mark.parametrize("target_kind", ["sqlite", "postgresql"])
def test_a_restore_onto_an_empty_system_passes_the_drill(tmp_path: Path, target_kind: str) -> None:
    with catalogue("sqlite", tmp_path / "a") as url_a, catalogue(target_kind, tmp_path / "b") as url_b:
        source = build_vault(url_a, LocalStore(tmp_path / "a" / "objects"))
        contents = populate(source)
        keys = {"owner_partition_key": b"k" * 32}
        report = create_backup(source.sessions.kw["bind"], source.store, tmp_path / "backup", keys, PASSPHRASE)
        assert report.object_versions == 4 and report.objects_copied == 4 and report.tables["documents"] == 3

        target = build_vault(url_b, LocalStore(tmp_path / "b" / "objects"))
        counts = restore_backup(tmp_path / "backup", target.sessions.kw["bind"], target.store)
        assert counts["access_log"] == report.tables["access_log"] > 8

        fsck = target.fsck()
        assert fsck.clean and fsck.checked_versions == 4, fsck
        assert target.verify_audit_chain() == []
        for doc_id, content in contents.items():
            restored = b"".join(target.open_content(doc_id, CITIZEN))
            assert restored == content  # verified against its SHA-256
            assert validate_pdf(restored, _trust()).verdict is Verdict.TOTAL_PASSED, doc_id  # and its signature
        first, second, third = contents
        assert len(target.document_versions(first, ADMIN)) == 2
        assert target.store.lock_state(*_current(target, second)).legal_hold  # in the store, not only the catalogue
        assert target.document_versions(second, ADMIN)[-1].legal_hold
        assert target.check_grant(first, HANDLER) and not target.check_grant(third, HANDLER)
        with target.reader() as session:  # the search index was rebuilt
            assert session.execute(text("SELECT count(*) FROM search_state")).scalar_one() == 3

        # Life goes on after the restore: new rows get new ids and the chain keeps verifying.
        dossier = target.create_dossier(AGENCY, PROCEDURE, PERSON)
        new = NewDocument(owner_id=PERSON, name="Sau khôi phục", source_dossier_code=dossier.code)
        target.store_document(new, pdf(99), STATION)
        assert target.verify_audit_chain() == [] and target.fsck().clean

        # A second backup into the same folder copies only what is new.
        later_dossier = source.create_dossier(AGENCY, PROCEDURE, PERSON)
        later = NewDocument(owner_id=PERSON, name="Mới", source_dossier_code=later_dossier.code)
        source.store_document(later, pdf(42), STATION)
        again = create_backup(source.sessions.kw["bind"], source.store, tmp_path / "backup", keys, PASSPHRASE)
        assert (again.object_versions, again.objects_copied, again.bytes_copied) == (5, 1, len(pdf(42)))

        with pytest.raises(BackupError, match=r"restore needs an empty system; not empty: .*documents"):
            restore_backup(tmp_path / "backup", target.sessions.kw["bind"], target.store)
        assert backup_keys(tmp_path / "backup", PASSPHRASE) == keys
        with pytest.raises(SealError, match="do not open"):
            backup_keys(tmp_path / "backup", "sai passphrase rồi")


def _current(vault: Vault, doc_id: str) -> tuple[str, str]:
    """The object key and store version id of the document's newest version, as the catalogue has them."""
    query = text(
        "SELECT object_key, object_version_id FROM document_versions WHERE document_id = :id ORDER BY number DESC"
    )
    with vault.reader() as session:
        key, version_id = session.execute(query, {"id": doc_id}).first()  # type: ignore[misc]
    return str(key), str(version_id)


def _sohoa(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")} | {"SOHOA_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_the_commands_restore_an_embedded_installation_with_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(first))
    for name in ("SOHOA_VAULT_DATABASE_URL", "SOHOA_VAULT_S3_ENDPOINT", "SOHOA_INGEST_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    core_settings.cache_clear()
    try:
        from runtime.catalogue import open_vault

        contents = populate(open_vault())
    finally:
        core_settings.cache_clear()
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE)

    created = _sohoa(first, "backup", "create", str(tmp_path / "backup"), "--passphrase-file", str(passphrase))
    assert created.returncode == 0, created.stderr
    restored = _sohoa(second, "backup", "restore", str(tmp_path / "backup"), "--passphrase-file", str(passphrase))
    assert restored.returncode == 0, restored.stderr
    for name in ("vault-partition-key",):
        assert (second / "secrets" / name).read_bytes() == (first / "secrets" / name).read_bytes()
        assert (second / "secrets" / name).stat().st_mode & 0o077 == 0
    fsck = _sohoa(second, "vault", "fsck")
    assert fsck.returncode == 0 and "checked 4 object versions" in fsck.stdout and "clean" in fsck.stdout
    audit = _sohoa(second, "audit", "verify")
    assert audit.returncode == 0 and "intact" in audit.stdout, audit.stderr
    assert len(contents) == 3


def _sohoa_on_a_terminal(data_dir: Path, *args: str) -> str:
    """What `sohoa` writes to stdout when stdout is a terminal (a pseudo-terminal here)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")} | {"SOHOA_DATA_DIR": str(data_dir)}
    main, child = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli", *args], env=env, cwd=ROOT, stdout=child, stderr=subprocess.PIPE, timeout=300
        )
        assert done.returncode == 0, done.stderr
        os.close(child)
        written = b""
        with suppress(OSError):  # the terminal's end once all is read
            while chunk := os.read(main, 4096):
                written += chunk
    finally:
        os.close(main)
    return written.decode().replace("\r\n", "\n")


@pytest.mark.slow
def test_backup_create_says_what_it_did_on_a_terminal_and_writes_json_for_scripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nightly backup printed one long JSON line on a terminal too (deploy walk of 2026-11-30)."""
    data = tmp_path / "data"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(data))
    for name in ("SOHOA_VAULT_DATABASE_URL", "SOHOA_VAULT_S3_ENDPOINT", "SOHOA_INGEST_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    core_settings.cache_clear()
    try:
        from runtime.catalogue import open_vault

        populate(open_vault())
    finally:
        core_settings.cache_clear()
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE)
    backup = tmp_path / "backup"
    arguments = ("backup", "create", str(backup), "--passphrase-file", str(passphrase))

    summary = _sohoa_on_a_terminal(data, *arguments).splitlines()
    assert re.fullmatch(rf"Backup written to {re.escape(str(backup))} in \d+\.\d s", summary[0]), summary
    assert re.fullmatch(r"  object versions: 4 \(4 copied, 0 already there\)", summary[1]), summary
    assert summary[2].startswith("  bytes copied:") and " MB)" in summary[2]
    piped = _sohoa(data, *arguments)  # cron, a pipe, `docker compose run -T`: the JSON report
    report = json.loads(piped.stdout)
    assert report["object_versions"] == 4 and report["objects_copied"] == 0
    again = _sohoa_on_a_terminal(data, *arguments, "--json")
    assert json.loads(again)["objects_copied"] == 0
    assert "0 copied, 4 already there" in _sohoa(data, *arguments, "--summary").stdout


def test_the_backup_summary_counts_one_row_and_one_table_in_the_singular(tmp_path: Path) -> None:
    from runtime.deploy_cli import backup_summary
    from vault.backup import BackupReport

    one = BackupReport(tables={"documents": 1}, object_versions=1, objects_copied=1, bytes_copied=10, seconds=0.1)
    assert backup_summary(one, tmp_path).splitlines()[3] == "  catalogue:       1 row in 1 table"
    many = BackupReport(tables={"a": 0, "b": 1234}, object_versions=0, objects_copied=0, bytes_copied=0, seconds=0)
    assert backup_summary(many, tmp_path).splitlines()[3] == "  catalogue:       1,234 rows in 2 tables"
    empty = BackupReport(tables={}, object_versions=0, objects_copied=0, bytes_copied=0, seconds=0)
    assert backup_summary(empty, tmp_path).splitlines()[3] == "  catalogue:       0 rows in 0 tables"
