"""The nightly backup on a host without Docker, as docs/deploy.md writes it: its cron line run as written under
cron's bare environment (`env -i`) against PostgreSQL and a SeaweedFS S3 server, twice (the second after more
work copies only the new version), then the restore drill with the commands onto a new database, a new bucket and
a new data folder: fsck clean, the access log intact, a citizen's grant still lets the other agency read."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.settings import core_settings
from tests.deploy.test_backup import CITIZEN, HANDLER, PASSPHRASE, STATION, pdf, populate
from tests.deploy.test_backup import signer_dir as signer_dir  # its development officer signs the drill's PDFs
from tests.support.pgschema import private_schema
from tests.support.s3server import S3Endpoint, s3_server
from tests.vault.conftest import PERSON, PG_URL
from vault.records import NewDocument
from vault.service import Vault
from vault.settings import vault_settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "deploy.md"
SOHOA = Path(sys.executable).parent / "sohoa"

pytestmark = [pytest.mark.slow]


def documented_cron_command() -> str:
    """The command of the crontab line of "Nightly on a host without Docker" (after its five time fields)."""
    section = DOCS.read_text().split("**Nightly on a host without Docker**", 1)[1]
    found = re.search(r"`30 1 \* \* \* (set -a [^`]+)`", section)
    assert found, "docs/deploy.md: no crontab line for a host without Docker"
    return found.group(1)


class HostFiles:
    """The documented files of one installation (settings file, secrets, data and backup folders) under `root`."""

    def __init__(self, root: Path, catalogue_url: str, endpoint: S3Endpoint, bucket: str, owner_key: bytes) -> None:
        self.root = root
        secret_dir = root / "etc-sohoa" / "secrets"
        secret_dir.mkdir(parents=True, mode=0o700)
        (secret_dir / "owner.key").write_bytes(owner_key)
        (secret_dir / "sohoa_vault_s3_secret_key").write_text(endpoint.secret_key)
        (secret_dir / "backup-passphrase").write_text(PASSPHRASE)
        for path in secret_dir.iterdir():
            path.chmod(0o600)
        self.settings = {
            "SOHOA_DATA_DIR": str(root / "var-lib-sohoa"),
            "SOHOA_LOG_FORMAT": "json",
            "SOHOA_AUTO_MIGRATE": "false",
            "SOHOA_SECRETS_DIR": str(secret_dir),
            "SOHOA_OWNER_KEY_FILE": str(secret_dir / "owner.key"),
            "SOHOA_VAULT_DATABASE_URL": catalogue_url,
            "SOHOA_VAULT_S3_ENDPOINT": endpoint.endpoint,
            "SOHOA_VAULT_S3_ACCESS_KEY": endpoint.access_key,
            "SOHOA_VAULT_S3_BUCKET": bucket,
            "SOHOA_VAULT_S3_SSE": "none",  # SeaweedFS has no KMS; MinIO's SSE-S3 is compose's default
            "SOHOA_INGEST_STAGING_BUCKET": f"{bucket}-staging",
        }
        self.env_file = root / "etc-sohoa" / "sohoa.env"
        self.env_file.write_text("".join(f"{name}={value}\n" for name, value in self.settings.items()))
        self.env_file.chmod(0o600)
        self.log = root / "var-log-sohoa" / "backup.log"
        self.log.parent.mkdir()

    def local(self, line: str) -> str:
        """The documented paths, as this test's folders."""
        for documented, here in {
            "/etc/sohoa/sohoa.env": self.env_file,
            "/etc/sohoa/secrets/": f"{self.root}/etc-sohoa/secrets/",
            "/opt/sohoa/.venv/bin/sohoa": SOHOA,
            "/var/backups/sohoa": self.root.parent / "backups",
            "/var/log/sohoa/backup.log": self.log,
        }.items():
            line = line.replace(documented, str(here))
        return line

    def cron(self, line: str) -> subprocess.CompletedProcess[str]:
        """`line` as cron runs it: /bin/sh, a bare environment (HOME, LOGNAME, PATH=/usr/bin:/bin, SHELL)."""
        bare = {"HOME": str(self.root), "LOGNAME": "sohoa", "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh"}
        return subprocess.run(
            ["/bin/sh", "-c", self.local(line)], env=bare, capture_output=True, text=True, timeout=300
        )

    def sohoa(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A command by hand, after `set -a; . /etc/sohoa/sohoa.env`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PG"))} | self.settings
        return subprocess.run([str(SOHOA), *args], env=env, capture_output=True, text=True, timeout=300)

    @contextmanager
    def vault(self) -> Iterator[Vault]:
        """This installation's vault, in this process, with its settings."""
        saved = {name: os.environ.get(name) for name in self.settings}
        os.environ.update(self.settings)
        core_settings.cache_clear()
        vault_settings.cache_clear()
        try:
            from runtime.catalogue import open_vault

            yield open_vault()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            core_settings.cache_clear()
            vault_settings.cache_clear()


def _reports(log: Path) -> list[dict[str, int]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_the_documented_cron_line_backs_up_nightly_and_the_drill_restores_onto_an_empty_system(
    tmp_path: Path,
) -> None:
    owner_key = secrets.token_bytes(32)
    with (
        s3_server(tmp_path / "s3") as endpoint,
        private_schema(PG_URL, "nightly_a", migrated=False) as url_a,
        private_schema(PG_URL, "nightly_b", migrated=False) as url_b,
    ):
        first = HostFiles(tmp_path / "first", url_a, endpoint, f"vault-{secrets.token_hex(4)}", owner_key)
        migrated = first.sohoa("migrate")
        assert migrated.returncode == 0, migrated.stderr
        with first.vault() as vault:
            contents = populate(vault)

        line = documented_cron_command()
        night = first.cron(line)
        assert night.returncode == 0, (night.stdout, night.stderr)
        (report,) = _reports(first.log)
        assert report["object_versions"] == 4 and report["objects_copied"] == 4, report

        with first.vault() as vault:  # a day's work: one more paper
            new = NewDocument(owner_id=PERSON, name="Thành phần mới", source_dossier_code=None, type_code="GKS")
            added = vault.store_document(new, pdf(20), STATION).id
        contents[added] = pdf(20)
        night = first.cron(line)
        assert night.returncode == 0, (night.stderr, first.log.read_text())
        assert _reports(first.log)[-1]["objects_copied"] == 1  # only the new version

        # The quarterly drill: a new database, a new bucket, a new data folder; the keys from their offline copy.
        second = HostFiles(tmp_path / "second", url_b, endpoint, f"drill-{secrets.token_hex(4)}", owner_key)
        backup = str(tmp_path / "backups")
        passphrase = str(second.root / "etc-sohoa" / "secrets" / "backup-passphrase")
        restored = second.sohoa("backup", "restore", backup, "--passphrase-file", passphrase)
        assert restored.returncode == 0, restored.stderr
        fsck = second.sohoa("vault", "fsck")
        assert fsck.returncode == 0 and "checked 5 object versions" in fsck.stdout, (fsck.stdout, fsck.stderr)
        audit = second.sohoa("audit", "verify")
        assert audit.returncode == 0 and "intact" in audit.stdout, (audit.stdout, audit.stderr)
        with second.vault() as vault:
            for doc_id, content in contents.items():
                assert b"".join(vault.open_content(doc_id, CITIZEN)) == content
            granted = next(iter(contents))  # populate's grant: the other agency, for its first document
            assert vault.check_grant(granted, HANDLER) and not vault.check_grant(added, HANDLER)
